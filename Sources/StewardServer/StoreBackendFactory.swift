import Foundation
import Logging
import StewardCore
import StewardMail
import StewardPostgres
import StewardSQLite
import StewardStore
import StewardVault

/// The one place that knows which database holds Steward's data: it opens the backend and hands the rest of the
/// composition root its stores as protocols (`BackendStores`) and its mail outbox: SQLite in the data directory, or
/// PostgreSQL when a database URL is configured (`--database` / `STEWARD_DATABASE_URL`).
public enum StoreBackendFactory {
    /// The backend's stores and outbox.
    struct Opened {
        var stores: any BackendStores
        var mailOutbox: any MailOutboxStore
        /// Whether the backend can seal personal data (it holds the per-person key store).
        var sealsPersonalData: Bool
        /// Where the data is, for the start-up banner (never a password).
        var location: String
        /// Closes the backend's connections (PostgreSQL's pool) once everything is committed.
        var close: @Sendable () async -> Void = {}
        /// Writes a sealed, portable backup file (the same SQLite format from every backend); returns how many
        /// people's data it holds.
        var backup: @Sendable (String) async throws -> Int
    }

    static func open(
        _ configuration: ServerConfiguration, masterKey: [UInt8], auditKey: [UInt8]?, storage: StorageStatus, logger: Logger
    ) async throws -> Opened {
        if let url = configuration.databaseURL {
            return try await openPostgres(url: url, configuration, masterKey: masterKey, auditKey: auditKey, storage: storage, logger: logger)
        }
        let store = try SQLiteStore(
            directory: configuration.dataDirectory,
            durability: SQLiteStore.Durability(rawValue: configuration.durability) ?? .full, auditKey: auditKey,
            masterKey: masterKey, maximumSize: configuration.maximumDatabaseSize, storage: storage)
        return Opened(
            stores: store, mailOutbox: SQLiteMailOutbox(store: store), sealsPersonalData: store.keys != nil,
            location: (configuration.dataDirectory as NSString).appendingPathComponent("steward.sqlite"),
            backup: { path in try store.backup(to: path) })
    }

    /// PostgreSQL: probes the server first (a clear one-line error for a wrong password, a missing database, no TLS,
    /// a server that is not PostgreSQL), then opens the pool and brings the schema up to date. People's keys stay in
    /// `keys.sqlite` in the data directory, never in the database.
    static func openPostgres(
        url: String, _ configuration: ServerConfiguration, masterKey: [UInt8], auditKey: [UInt8]?, storage: StorageStatus,
        logger: Logger
    ) async throws -> Opened {
        try FileManager.default.createDirectory(atPath: configuration.dataDirectory, withIntermediateDirectories: true)
        let location = try PostgresLocation(url: url)
        var poolLogger = logger
        poolLogger.logLevel = max(logger.logLevel, .warning)
        let database = try PostgresDatabase(location: location, storage: storage, logger: poolLogger)
        try await database.probe()
        let keys = try PersonKeyStore(path: (configuration.dataDirectory as NSString).appendingPathComponent("keys.sqlite"), masterKey: masterKey)
        database.start()
        do {
            let store = try await PostgresStore.open(database: database, keys: keys, auditKey: auditKey)
            return Opened(
                stores: store, mailOutbox: PostgresMailOutbox(store: store), sealsPersonalData: true, location: location.description,
                close: { await store.close() }, backup: { path in try await backup(store, keys: keys, to: path) })
        } catch {
            await database.shutdown()
            throw StewardError.badRequest(PostgresErrorText.startup(error, location: location))
        }
    }

    /// A backup of a PostgreSQL installation, in the same sealed SQLite format as SQLite's own, so it restores into
    /// either backend: keys of people no longer here are destroyed first (as on SQLite), every table is copied into a
    /// plain SQLite file beside the backup (owner-only, removed afterwards), which is then sealed per person and
    /// vacuumed.
    static func backup(_ store: PostgresStore, keys: PersonKeyStore, to path: String) async throws -> Int {
        let keyed = try keys.subjects(createdBefore: WallClock.nowMillis() - 3_600_000)
        try keys.destroyKeys(keyed.subtracting(try await store.accountIDs()))
        let scratch = path + ".copy-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let copy = try SQLiteStore(directory: scratch, durability: .normal)
        try await TableCopy(source: store, target: copy).run()
        try copy.close()
        return try SQLiteStore.sealBackup(plainCopy: (scratch as NSString).appendingPathComponent("steward.sqlite"), to: path, keys: keys)
    }

    /// Restores a backup into an empty PostgreSQL database: opened with the key store of `keysDirectory` into a
    /// scratch SQLite file (what erased people's keys no longer open is dropped), then copied table by table.
    public static func restore(
        backup: String, intoPostgres url: String, keysDirectory: String, masterKey: [UInt8], logger: Logger
    ) async throws -> (opened: Int, dropped: Int) {
        let keys = try PersonKeyStore(path: (keysDirectory as NSString).appendingPathComponent("keys.sqlite"), masterKey: masterKey)
        let scratch = (keysDirectory as NSString).appendingPathComponent(".restore-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let result = try SQLiteStore.restore(backup: backup, into: scratch, keys: keys)
        let source = try SQLiteStore(directory: scratch, durability: .normal)
        let target = try await openPostgresStore(url: url, keys: keys, logger: logger)
        do {
            try await TableCopy(source: source, target: target).run()
        } catch {
            await target.close()
            throw error
        }
        await target.close()
        try source.close()
        return result
    }

    /// A PostgreSQL store for a tool (`db copy`, restore): probed, migrated, its pool running.
    static func openPostgresStore(url: String, keys: any PersonKeys, logger: Logger) async throws -> PostgresStore {
        let location = try PostgresLocation(url: url)
        var poolLogger = logger
        poolLogger.logLevel = max(logger.logLevel, .warning)
        let database = try PostgresDatabase(location: location, logger: poolLogger)
        try await database.probe()
        database.start()
        do {
            return try await PostgresStore.open(database: database, keys: keys)
        } catch {
            await database.shutdown()
            throw StewardError.badRequest(PostgresErrorText.startup(error, location: location))
        }
    }

    /// `steward db copy`: every table from one database into another, empty one (SQLite data directory ↔
    /// PostgreSQL URL), with progress, checked by counting each table's rows at the end. `keysDirectory` holds the key
    /// store both use (the data directory the server runs with).
    public static func copy(
        from source: String, to target: String, keysDirectory: String, masterKey: [UInt8], logger: Logger,
        progress: @escaping TableCopy.Progress
    ) async throws -> [String: Int] {
        let keys = try PersonKeyStore(path: (keysDirectory as NSString).appendingPathComponent("keys.sqlite"), masterKey: masterKey)
        var closers: [@Sendable () async -> Void] = []
        func open(_ place: String, creating: Bool) async throws -> any TableRowSource & TableRowTarget {
            if PostgresLocation.isURL(place) {
                let store = try await openPostgresStore(url: place, keys: keys, logger: logger)
                closers.append { await store.close() }
                return store
            }
            let file = (place as NSString).appendingPathComponent("steward.sqlite")
            if !creating, !FileManager.default.fileExists(atPath: file) {
                throw StewardError.notFound("No Steward database in \(place) (no steward.sqlite)")
            }
            let store = try SQLiteStore(directory: place, durability: .full)
            closers.append { try? store.close() }
            return store
        }
        do {
            let from = try await open(source, creating: false)
            let to = try await open(target, creating: true)
            let copied = try await TableCopy(source: from, target: to).run(progress: progress)
            for close in closers { await close() }
            return copied
        } catch {
            for close in closers { await close() }
            throw error
        }
    }

    /// Restores a backup into `directory` (which must hold no database), opening each person's data with the key
    /// store `keys.sqlite` in `keysDirectory` under `masterKey`; data of people erased since the backup cannot be
    /// opened and is dropped. Returns how many values were opened and how many rows dropped.
    public static func restore(
        backup: String, into directory: String, keysDirectory: String, masterKey: [UInt8]
    ) throws -> (opened: Int, dropped: Int) {
        let keys = try PersonKeyStore(path: (keysDirectory as NSString).appendingPathComponent("keys.sqlite"), masterKey: masterKey)
        return try SQLiteStore.restore(backup: backup, into: directory, keys: keys)
    }
}
