#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

#if STEWARD_LIBFUZZER
/// libFuzzer's driver (compiler-rt), present only when linked with `-sanitize=fuzzer`.
@_silgen_name("LLVMFuzzerRunDriver")
private func runLibFuzzerDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ entry: FuzzMain.Entry
) -> Int32
#endif

/// The `main` of every fuzz executable.
///
/// SwiftPM links an executable's `main` to the module's own entry point, so libFuzzer's `main` cannot take
/// its place; instead, built by `scripts/fuzz.sh` (`-DSTEWARD_LIBFUZZER`), `main` hands the command line to
/// libFuzzer's driver. In a plain `swift build` it replays the files named on the command line through the
/// same entry point, which is how a saved crash is reproduced without the sanitizers.
public enum FuzzMain {
    /// `LLVMFuzzerTestOneInput`'s signature.
    public typealias Entry = @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32

    public static func run(name: String, entry: Entry) -> Never {
        #if STEWARD_LIBFUZZER
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(runLibFuzzerDriver(&argc, &argv, entry))
        #else
        exit(FuzzReplay.run(name: name) { buffer in _ = entry(buffer.baseAddress, buffer.count) })
        #endif
    }
}
