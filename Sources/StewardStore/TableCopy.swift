import StewardCore
import StewardVault
import Synchronization

/// One row of a table in the backend-neutral form `steward db copy` and backups move: column name → value as
/// databases hold them, in SQLite's layout (readings and attributes as `t` + `v`, flags as 0/1, sealed contact
/// details as bytes). Each backend maps its own columns to and from it, so any backend copies into any other.
public typealias TableRow = [String: Sealing.Value]

/// A backend whose tables can be read in full, in an order that satisfies their references.
public protocol TableRowSource: Sendable {
    /// How many rows `table` holds.
    func rowCount(_ table: String) async throws -> Int
    /// Every row of `table`, in pages of about `pageSize` rows, handed to `body` in order.
    func scanRows(_ table: String, pageSize: Int, _ body: @Sendable ([TableRow]) async throws -> Void) async throws
}

/// A backend that can take rows copied from another, into tables that must be empty.
public protocol TableRowTarget: Sendable {
    /// How many rows `table` holds (an empty target holds none anywhere).
    func rowCount(_ table: String) async throws -> Int
    /// Inserts rows into `table`, keeping every value, ids included.
    func insertRows(_ table: String, _ rows: [TableRow]) async throws
    /// After the last table: sequences and counters continue after the copied ids (PostgreSQL's identities, the
    /// audit chain's head).
    func finishCopy() async throws
}

/// Copies every table of one backend into another, empty one, then checks that each table holds as many rows as the
/// source: `steward db copy` and the backups of a PostgreSQL installation.
public struct TableCopy: Sendable {
    /// The tables in an order that satisfies their references (parents first). `sealing_state` is each database's own
    /// bookkeeping and is not copied.
    public static let tables = [
        "tenant", "customer", "user", "device_profile", "device", "claim_offer", "ts_key", "ts_kv", "ts_kv_latest",
        "ts_kv_expiry", "ts_rollup", "attribute_kv", "consent_event", "policy_version", "announcement", "one_time_token", "session", "api_key",
        "recovery_code", "sign_in", "policy_agreement", "mail_outbox", "audit_log", "audit_anchor", "dsr_request", "complaint",
        "disclosure", "erasure_receipt", "statistic", "mail_request", "address_lock", "device_change",
        "client_attempt", "published_statistic", "diagnostic_event", "diagnostic_day", "diagnostic_link",
        "dashboard", "dashboard_customer",
    ]

    /// Progress of one table: its name, rows copied so far, rows in total.
    public typealias Progress = @Sendable (_ table: String, _ copied: Int, _ total: Int) -> Void

    public let source: any TableRowSource
    public let target: any TableRowTarget
    public var pageSize = 2_000

    public init(source: any TableRowSource, target: any TableRowTarget) {
        self.source = source
        self.target = target
    }

    /// Copies everything; refuses a target that holds any row. Returns the rows copied per table.
    @discardableResult
    public func run(progress: Progress = { _, _, _ in }) async throws -> [String: Int] {
        for table in Self.tables where try await target.rowCount(table) > 0 {
            throw StewardError.conflict("The target already holds data (table \(table)); copy into an empty database")
        }
        var copied: [String: Int] = [:]
        for table in Self.tables {
            let total = try await source.rowCount(table)
            let counter = Counter()
            progress(table, 0, total)
            try await source.scanRows(table, pageSize: pageSize) { rows in
                try await target.insertRows(table, rows)
                progress(table, counter.add(rows.count), total)
            }
            copied[table] = total
        }
        try await target.finishCopy()
        for table in Self.tables {
            let expected = try await source.rowCount(table)
            let found = try await target.rowCount(table)
            guard expected == found else {
                throw StewardError(.internal, "Table \(table): \(expected) rows in the source, \(found) in the target after the copy")
            }
        }
        return copied
    }
}

/// A running total shared with the page callback.
final class Counter: Sendable {
    private let value = Mutex(0)
    func add(_ n: Int) -> Int {
        value.withLock {
            $0 += n
            return $0
        }
    }
}
