import Foundation

/// Invariant checks for the fuzz targets.
///
/// A fuzz target that only survives its input proves little; each target states what must hold for every
/// input (a decoded packet encodes back to the same packet, a parsed document serializes back to itself…).
/// A broken invariant prints what was expected and what was found, then aborts, which libFuzzer reports as
/// a crash and saves the input as `crash-<hash>` for `swift run <Fuzzer> crash-<hash>` to replay.
public enum FuzzCheck {
    /// Aborts with `message` when `condition` is false.
    public static func require(
        _ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
        file: StaticString = #fileID, line: UInt = #line
    ) {
        guard !condition() else { return }
        fail("\(file):\(line): invariant broken: \(message())")
    }

    /// Prints `message` to standard error and aborts the process.
    public static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data((message + "\n").utf8))
        abort()
    }

    /// A short, printable rendering of bytes for failure messages (hex, cut after 256 bytes).
    public static func hex(_ bytes: some Collection<UInt8>) -> String {
        let digits = Array("0123456789abcdef")
        var out = ""
        for byte in bytes.prefix(256) {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return bytes.count > 256 ? out + "…(\(bytes.count) bytes)" : out
    }
}
