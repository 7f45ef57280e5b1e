import Foundation

/// The `main` of a fuzz executable when it is built without libFuzzer (plain `swift build`).
///
/// libFuzzer brings its own `main` when a target is built with `-sanitize=fuzzer`; without it the same
/// executable runs each file (or every file of each directory) given as an argument through the target once,
/// so a saved crash or a whole corpus replays under a debugger or in a normal build.
public enum FuzzReplay {
    /// Runs `body` over every input named in `arguments` and returns the process exit status.
    public static func run(
        name: String, arguments: [String] = CommandLine.arguments, _ body: (UnsafeBufferPointer<UInt8>) -> Void
    ) -> Int32 {
        let paths = arguments.dropFirst()
        guard !paths.isEmpty else {
            let usage = """
                usage: \(name) FILE|DIRECTORY...
                Replays saved inputs through the \(name) invariants. To fuzz, build with libFuzzer: scripts/fuzz.sh

                """
            FileHandle.standardError.write(Data(usage.utf8))
            return 2
        }
        var count = 0
        for path in paths {
            for file in files(at: path) {
                guard let data = FileManager.default.contents(atPath: file) else {
                    FileHandle.standardError.write(Data("\(name): cannot read \(file)\n".utf8))
                    return 1
                }
                data.withUnsafeBytes { raw in body(raw.bindMemory(to: UInt8.self)) }
                count += 1
            }
        }
        print("\(name): \(count) input(s) replayed, every invariant held")
        return 0
    }

    private static func files(at path: String) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            return [path]
        }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.sorted().map { path + "/" + $0 }
    }
}
