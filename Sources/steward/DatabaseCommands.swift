import ArgumentParser
import Foundation
import Logging
import StewardServer
import Synchronization

/// `steward db`: moving an installation between databases.
struct DatabaseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db", abstract: "Move an installation between SQLite and PostgreSQL.", subcommands: [DatabaseCopyCommand.self])
}

/// `steward db copy --from ./steward-data --to postgres://…` (and back): every table into an empty database, with a
/// progress bar, row counts compared at the end. Stop the server first; afterwards start it with the same
/// `--data-dir` (it keeps the key files) and the new `--database`.
struct DatabaseCopyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy",
        abstract: "Copy every table from one database into another, empty one (a data directory or a postgres:// URL).")

    @Option(help: "The source: a data directory (SQLite) or a postgres:// URL.") var from: String
    @Option(help: "The target, which must hold no data: a data directory (SQLite) or a postgres:// URL.") var to: String
    @Option(help: "The data directory whose keys.sqlite and master.key the installation uses (default: whichever of --from/--to is a directory).")
    var dataDir: String?
    @Flag(help: "Print no progress bars.") var quiet = false

    func run() async throws {
        let isURL = { (place: String) in place.hasPrefix("postgres://") || place.hasPrefix("postgresql://") }
        guard let keysDirectory = dataDir ?? [from, to].first(where: { !isURL($0) }) else {
            Output.fail("both places are PostgreSQL databases: give --data-dir, the directory holding the installation's key files")
        }
        let masterPath = ProcessInfo.processInfo.environment["STEWARD_MASTER_KEY_FILE"]
            ?? (keysDirectory as NSString).appendingPathComponent("master.key")
        guard let master = FileManager.default.contents(atPath: masterPath), master.count >= 32 else {
            Output.fail("no master key at \(masterPath); give --data-dir or STEWARD_MASTER_KEY_FILE")
        }
        var logger = Logger(label: "steward.cli")
        logger.logLevel = .warning
        let bar = TableProgress(quiet: quiet)
        let copied = try await StoreBackendFactory.copy(
            from: from, to: to, keysDirectory: keysDirectory, masterKey: Array(master), logger: logger
        ) { table, done, total in bar.show(table, done, total) }
        bar.finish()
        let rows = copied.values.reduce(0, +)
        print("Copied \(copied.count) tables, \(rows.formatted()) rows; every table's row count matches the source")
    }
}

/// A progress bar per table (`ProgressBar`), the next one started when the copy moves on to the next table.
final class TableProgress: Sendable {
    private let current = Mutex<(table: String, bar: ProgressBar)?>(nil)
    let quiet: Bool

    init(quiet: Bool) {
        self.quiet = quiet
    }

    func show(_ table: String, _ done: Int, _ total: Int) {
        current.withLock { current in
            if current?.table != table {
                current?.bar.finish()
                current = (table, ProgressBar(label: table.padding(toLength: 16, withPad: " ", startingAt: 0), quiet: quiet))
            }
            current?.bar.update(done, total)
        }
    }

    func finish() {
        current.withLock { $0?.bar.finish() }
    }
}
