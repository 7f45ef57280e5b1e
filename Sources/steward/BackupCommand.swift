import ArgumentParser
import Foundation
import StewardServer
import StewardSQLite
import StewardStore

/// `steward backup`: a consistent copy of the database made with SQLite's online backup, safe while the server runs.
/// The key files stay out of it: a backup is only as readable as the keys kept beside the live data.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup", abstract: "Write a consistent backup of the database (safe while the server runs).")

    @OptionGroup var common: CommonOptions
    @Option(help: "The backup file to write (must not exist).") var out: String

    func run() async throws {
        guard !FileManager.default.fileExists(atPath: out) else { Output.fail("\(out) exists; choose a new file name") }
        let steward = try common.open()
        try steward.store.backup(to: out)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: out)
        let size = (try? FileManager.default.attributesOfItem(atPath: out)[.size] as? Int) ?? 0
        print("Backup written to \(out) (\(size) bytes)")
        steward.writer.shutdown()
    }
}
