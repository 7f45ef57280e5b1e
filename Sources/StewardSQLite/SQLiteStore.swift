import Crypto
import Foundation
import GRDB
import StewardCore
import StewardStore
import Synchronization

/// Steward's embedded store: one SQLite file in WAL mode, shared by the server and the CLI.
///
/// A `DatabasePool` gives concurrent readers and one writer; other processes (the `steward` CLI while the
/// server runs) wait on SQLite's busy handler instead of failing.
public final class SQLiteStore: Sendable {
    /// How hard a commit pushes data to disk.
    public enum Durability: String, Sendable {
        /// `synchronous=FULL`: the WAL is fsynced at every commit; survives power loss.
        case full
        /// `synchronous=NORMAL`: survives a process crash or `kill -9`, not a power cut.
        case normal
    }

    /// WAL pages written between automatic checkpoints (about 40 MB).
    static let walCheckpointPages = 10_000

    /// The database; every write passes `StoreDatabase`, which says "storage full" and records it in `storage`.
    let pool: StoreDatabase
    /// Whether the last write failed for lack of space (shared with the telemetry writer and `/api/health`).
    public var storage: StorageStatus { pool.storage }
    /// Devices by access token, so authenticating an HTTP request or MQTT CONNECT rarely touches the database.
    /// Entries expire after `DeviceTokenCache.lifetimeMs` so changes made by another process (the CLI) take effect.
    let tokenCache = DeviceTokenCache()
    /// Told after each commit of this store that recorded device changes (`onLocalDeviceChanges`).
    let deviceChangeListener = DeviceChangeListener()
    let telemetryKeys = Mutex<[String: Int64]>([:])
    /// Device storage key → (person, person's key, expiry): see `ingestTarget`.
    let sealingCache = Mutex<[Int64: (person: String?, keyBytes: [UInt8]?, expires: Int64)]>([:])
    static let sealingCacheLifetimeMs: Int64 = 5_000
    /// The key of the audit trail's HMAC chain; nil chains with plain SHA-256.
    let auditKey: [UInt8]?

    /// Per-person keys (`keys.sqlite`), when a master key was given: sensitive readings are sealed with them at
    /// rest, and backups seal everything personal with them.
    public let keys: PersonKeyStore?
    /// Seals contact details and hashes them for lookups (see `SQLiteStore+Contacts`).
    let sealer: ContactSealing

    /// Opens (creating if needed) `steward.sqlite` inside `directory` and brings its schema up to date. With a
    /// `masterKey`, also the per-person key store `keys.sqlite` beside it: readings and attributes a batch names as
    /// sensitive, from a device that concerns a person, are sealed with that person's key (MS-6).
    ///
    /// `maximumSize` (bytes) caps the database file: a write that would grow it further fails with `SQLITE_FULL`,
    /// which callers see as "storage full" (see `StoreDatabase`), while reads keep working. `storage` is told about
    /// every write refused for lack of space and every commit.
    public init(
        directory: String, durability: Durability = .full, auditKey: [UInt8]? = nil, masterKey: [UInt8]? = nil,
        maximumSize: Int64? = nil, storage: StorageStatus = StorageStatus()
    ) throws {
        self.auditKey = auditKey
        let keys = try masterKey.map {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            return try PersonKeyStore(path: (directory as NSString).appendingPathComponent("keys.sqlite"), masterKey: $0)
        }
        self.keys = keys
        sealer = ContactSealing(keys: keys)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var config = Configuration()
        config.busyMode = .timeout(10)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = \(durability == .full ? "FULL" : "NORMAL")")
            try db.execute(sql: "PRAGMA foreign_keys = ON")
            // Deleted content is overwritten with zeros, so an erased person's bytes do not linger in free pages.
            try db.execute(sql: "PRAGMA secure_delete = ON")
            // A new file keeps the pages retention frees in a list it can hand back to the filesystem a batch at a time
            // (`reclaimSpace`); only possible before the first table exists, so older files keep reusing them instead.
            if !db.configuration.readonly { try db.execute(sql: "PRAGMA auto_vacuum = INCREMENTAL") }
            // A long WAL between checkpoints: hot pages (the right edge of each device's history, the latest
            // table) are rewritten many times per second, and a checkpoint copies each page only once however
            // often it changed. Measured: 1,000 pages (SQLite's default) 30.7k msg/s, 10,000 pages 41.6k msg/s.
            try db.execute(sql: "PRAGMA wal_autocheckpoint = \(Self.walCheckpointPages)")
            try db.execute(sql: "PRAGMA journal_size_limit = \(Self.walCheckpointPages * 4096 * 2)")
            if let maximumSize {
                let pageSize = try Int64.fetchOne(db, sql: "PRAGMA page_size") ?? 4096
                try db.execute(sql: "PRAGMA max_page_count = \(max(1, maximumSize / max(pageSize, 512)))")
            }
        }
        let path = (directory as NSString).appendingPathComponent("steward.sqlite")
        pool = StoreDatabase(pool: try DatabasePool(path: path, configuration: config), storage: storage)
        try SQLiteSchema.migrator.migrate(pool.pool)
        try sealPlainContacts()
    }

    /// The integer key a device's rows are stored under. Looked up in the database every time (once per device
    /// per group commit), never cached: a device deleted by another process (the CLI) must stop receiving rows.
    func deviceKey(_ db: Database, _ device: DeviceID) throws -> Int64? {
        try Int64.fetchOne(
            db.cachedStatement(sql: "SELECT seq FROM device WHERE id = ?"), arguments: [device.description])
    }

    /// Where a device's readings go: its storage key (looked up every group commit, never cached, so a device
    /// deleted by another process stops receiving rows) and, when the batch has something to seal (`sealing`), the
    /// person the device concerns with their key. That part is cached for `sealingCacheLifetimeMs`; assignment and
    /// erasure in this process clear it at once.
    func ingestTarget(_ db: Database, _ device: DeviceID, sealing: Bool) throws -> IngestTarget? {
        guard let seq = try deviceKey(db, device) else { return nil }
        guard sealing, let keys else { return IngestTarget(seq: seq) }
        let now = WallClock.nowMillis()
        if let cached = sealingCache.withLock({ $0[seq] }), cached.expires > now {
            return IngestTarget(seq: seq, person: cached.person, keyBytes: cached.keyBytes, resolvedPerson: true)
        }
        let person = try String.fetchOne(
            db.cachedStatement(sql: "SELECT \(Self.devicePerson) FROM device d WHERE d.seq = ?"), arguments: [seq])
        var target = IngestTarget(seq: seq, resolvedPerson: true)
        if let person, let id = UserID(person) {
            target.person = person
            target.keyBytes = try keys.key(for: id).withUnsafeBytes { Array($0) }
        }
        sealingCache.withLock {
            if $0.count > tokenCache.capacity { $0.removeAll() }
            $0[seq] = (target.person, target.keyBytes, now + Self.sealingCacheLifetimeMs)
        }
        return target
    }

    /// Forgets who every device concerns (after an assignment or an erasure).
    func forgetSealingTargets() {
        sealingCache.withLock { $0.removeAll() }
    }

    /// The device key, only if the device belongs to `tenant`: the tenant check every read goes through.
    func scopedDeviceKey(_ db: Database, tenant: TenantID, device: DeviceID) throws -> Int64 {
        guard
            let key = try Int64.fetchOne(
                db, sql: "SELECT seq FROM device WHERE id = ? AND tenant_id = ?",
                arguments: [device.description, tenant.description])
        else { throw StewardError.notFound("Device with id [\(device)] is not found") }
        return key
    }

    /// The id of a telemetry key, inserting it if new. Ids created inside the current transaction go to `created`
    /// and reach the shared cache only after the commit, so a rolled-back insert never leaves a stale id behind.
    func telemetryKeyID(_ db: Database, _ key: String, created: inout [String: Int64]) throws -> Int64 {
        if let id = telemetryKeys.withLock({ $0[key] }) ?? created[key] { return id }
        try db.cachedStatement(sql: "INSERT OR IGNORE INTO ts_key(key) VALUES (?)").execute(arguments: [key])
        let id = try Int64.fetchOne(db, sql: "SELECT id FROM ts_key WHERE key = ?", arguments: [key])!
        created[key] = id
        return id
    }

    func existingTelemetryKeyIDs(_ db: Database, _ keys: [String]) throws -> [String: Int64] {
        var result: [String: Int64] = [:]
        for key in keys {
            if let id = try Int64.fetchOne(db, sql: "SELECT id FROM ts_key WHERE key = ?", arguments: [key]) {
                result[key] = id
            }
        }
        return result
    }
}

/// See `SQLiteStore.ingestTarget`.
struct IngestTarget {
    var seq: Int64
    var person: String? = nil
    var keyBytes: [UInt8]? = nil
    /// Whether `person` was looked up (only when something is to be sealed).
    var resolvedPerson = false
}
