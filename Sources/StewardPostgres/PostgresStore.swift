import Foundation
import Logging
import PostgresNIO
import StewardCore
import StewardStore
import StewardVault
import Synchronization

/// Steward's stores on a PostgreSQL server: the same protocols, rules and answers as the SQLite store, for an
/// installation that outgrew one file.
///
/// People's keys never live here: `keys` is the key store kept apart (the local `keys.sqlite`), so a copy of this
/// database, a `pg_dump` or a replica, holds an erased person's sealed data only as noise. The database always runs
/// with a key store, so contact details are sealed from the first row on.
public final class PostgresStore: Sendable {
    let database: PostgresDatabase
    /// Whether the last write failed for lack of space (shared with the telemetry writer and `/api/health`).
    public var storage: StorageStatus { database.storage }
    /// Per-person keys: sensitive readings and contact details are sealed with them.
    public let keys: any PersonKeys
    /// Seals contact details and hashes them for lookups.
    let sealer: ContactSealer
    /// The key of the audit trail's HMAC chain; nil chains with plain SHA-256.
    let auditKey: [UInt8]?

    /// Devices by access token, as on SQLite: authentication rarely touches the database; entries expire so changes
    /// made by another process take effect.
    let tokenCache = DeviceTokenCache()
    /// Telemetry key ids; ids join only after the transaction that made them committed.
    let telemetryKeys = Mutex<[String: Int64]>([:])
    /// Device storage key → (person, person's key, expiry), for sealing readings.
    let sealingCache = Mutex<[Int64: (person: String?, keyBytes: [UInt8]?, expires: Int64)]>([:])
    static let sealingCacheLifetimeMs: Int64 = 5_000
    /// Told after each commit of this store that recorded device changes (`onLocalDeviceChanges`).
    let deviceChangeHandler = Mutex<(@Sendable () -> Void)?>(nil)

    init(database: PostgresDatabase, keys: any PersonKeys, auditKey: [UInt8]?) {
        self.database = database
        self.keys = keys
        self.auditKey = auditKey
        sealer = ContactSealer(keys: keys)
    }

    /// Opens the store on a running pool (`database.start()` or the server's service group) and brings the schema up
    /// to date: creates it on first start, migrates an older one, refuses one a newer Steward wrote.
    public static func open(database: PostgresDatabase, keys: any PersonKeys, auditKey: [UInt8]? = nil) async throws -> PostgresStore {
        let store = PostgresStore(database: database, keys: keys, auditKey: auditKey)
        try await store.migrate()
        try await store.maintain(now: WallClock.nowMillis())
        return store
    }

    /// The database's schema version, then the missing migrations, under one advisory lock.
    func migrate() async throws {
        try await database.write { db in
            try await db.execute(sql: "SELECT pg_advisory_xact_lock(?)", arguments: [PostgresSchema.migrationLock])
            try await db.execute(
                sql: "CREATE TABLE IF NOT EXISTS steward_schema (version int PRIMARY KEY, name text NOT NULL, applied_time bigint NOT NULL)")
            let current = try await db.fetchValue(Int.self, sql: "SELECT max(version) FROM steward_schema") ?? 0
            guard current <= PostgresSchema.latestVersion else {
                throw StewardError(
                    .conflict,
                    "The database \(self.database.location) holds schema version \(current), newer than this Steward's \(PostgresSchema.latestVersion): upgrade Steward, or use another database")
            }
            for migration in PostgresSchema.migrations where migration.version > current {
                for statement in PostgresSchema.statements(migration.sql) {
                    try await db.execute(sql: statement)
                }
                try await db.execute(
                    sql: "INSERT INTO steward_schema(version, name, applied_time) VALUES (?, ?, ?)",
                    arguments: [migration.version, migration.name, WallClock.nowMillis()])
            }
        }
    }

    /// Creates the telemetry partitions of the coming months (see `TelemetryPartitions`); the server runs it hourly
    /// (it runs what casts to `StorageMaintenance`, declared below).
    public func maintain(now: Int64) async throws {
        try await TelemetryPartitions.ensure(database, now: now)
    }

    /// Closes the pool (the CLI and tests; the server's service group closes it itself).
    public func close() async {
        await database.shutdown()
    }
}

extension PostgresStore: StorageMaintenance {}
