import Foundation
import Logging
import StewardCore
import StewardMail
import StewardPostgres
import StewardSQLite
import StewardStore

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
            location: (configuration.dataDirectory as NSString).appendingPathComponent("steward.sqlite"))
    }

    /// PostgreSQL: probes the server first (a clear one-line error for a wrong password, a missing database, no TLS,
    /// a server that is not PostgreSQL), then opens the pool and brings the schema up to date. People's keys stay in
    /// `keys.sqlite` in the data directory, never in the database.
    static func openPostgres(
        url: String, _ configuration: ServerConfiguration, masterKey: [UInt8], auditKey: [UInt8]?, storage: StorageStatus,
        logger: Logger
    ) async throws -> Opened {
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
                close: { await store.close() })
        } catch {
            await database.shutdown()
            throw StewardError.badRequest(PostgresErrorText.startup(error, location: location))
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
