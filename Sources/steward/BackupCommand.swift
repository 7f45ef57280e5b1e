import ArgumentParser
import Foundation
import Logging
import StewardServer
import StewardStore

/// `steward backup`: a consistent copy of the database, safe while the server runs, in which each person's data is
/// encrypted with their own key. The key store and master key stay out of it: erasing a person destroys their key,
/// and with it their data in every backup made before.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup", abstract: "Write a consistent backup; each person's data in it is encrypted with their own key.")

    @OptionGroup var common: CommonOptions
    @Option(help: "The backup file to write (must not exist).") var out: String

    func run() async throws {
        guard !FileManager.default.fileExists(atPath: out) else { Output.fail("\(out) exists; choose a new file name") }
        let steward = try await common.open()
        let people = try await steward.backup(to: out)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: out)
        let size = (try? FileManager.default.attributesOfItem(atPath: out)[.size] as? Int) ?? 0
        print("Backup written to \(out) (\(size) bytes; the data of \(people) people, each under their own key)")
        await steward.close()
    }
}

/// `steward restore`: a backup into an empty data directory, decrypted with the key store of a data directory;
/// the data of people erased since the backup cannot be decrypted and is dropped.
struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore", abstract: "Restore a backup into an empty data directory with the current keys.")

    @Option(help: "The backup file.") var from: String
    @Option(help: "The new data directory (must hold no database); with --database, the directory for the key files.") var dataDir: String
    @Option(help: "Restore into this empty PostgreSQL database (postgres:// URL) instead of SQLite in --data-dir.") var database: String?
    @Option(help: "The data directory whose keys.sqlite and master.key open the backup (default: the new one).") var keysDir: String?

    func run() async throws {
        let keysDirectory = keysDir ?? dataDir
        let masterPath = ProcessInfo.processInfo.environment["STEWARD_MASTER_KEY_FILE"]
            ?? (keysDirectory as NSString).appendingPathComponent("master.key")
        guard let master = FileManager.default.contents(atPath: masterPath), master.count >= 32 else {
            Output.fail("no master key at \(masterPath); give --keys-dir or STEWARD_MASTER_KEY_FILE")
        }
        let result: (opened: Int, dropped: Int)
        if let database {
            var logger = Logger(label: "steward.cli")
            logger.logLevel = .warning
            result = try await StoreBackendFactory.restore(
                backup: from, intoPostgres: database, keysDirectory: keysDirectory, masterKey: Array(master), logger: logger)
        } else {
            result = try StoreBackendFactory.restore(
                backup: from, into: dataDir, keysDirectory: keysDirectory, masterKey: Array(master))
        }
        // Sensitive readings stay sealed in the restored database: the new data directory needs the same keys.
        if (keysDirectory as NSString).standardizingPath != (dataDir as NSString).standardizingPath {
            try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true)
            try FileManager.default.copyItem(
                atPath: (keysDirectory as NSString).appendingPathComponent("keys.sqlite"),
                toPath: (dataDir as NSString).appendingPathComponent("keys.sqlite"))
            if ProcessInfo.processInfo.environment["STEWARD_MASTER_KEY_FILE"] == nil {
                try FileManager.default.copyItem(atPath: masterPath, toPath: (dataDir as NSString).appendingPathComponent("master.key"))
            }
        }
        print("Restored into \(database.map { _ in "the PostgreSQL database" } ?? dataDir): \(result.opened) values decrypted, \(result.dropped) rows dropped (people erased since the backup)")
    }
}
