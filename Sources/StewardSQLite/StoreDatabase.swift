import GRDB
import StewardCore
import StewardStore

/// The store's database as every part of the SQLite backend reaches it: GRDB's pool, with each write passing one
/// boundary that knows about space.
///
/// - A write that fails with `SQLITE_FULL` (a full disk, or the quota `STEWARD_MAX_DATABASE_SIZE`) throws
///   `StewardError.storageFull` instead of GRDB's error, and is recorded in `storage` (error log, `/api/health`).
///   So every caller, whatever transport it serves (HTTP 507, MQTT 5 PUBACK 0x97), sees "storage full" without
///   knowing about SQLite.
/// - A write transaction that commits clears the status: space is usable again. Nothing else clears it.
///
/// Reads pass through unchanged.
struct StoreDatabase: Sendable {
    /// The GRDB pool itself, for what needs a `DatabaseWriter` (migrations, backups to it).
    let pool: DatabasePool
    /// Told about every refused and every committed write.
    let storage: StorageStatus

    init(pool: DatabasePool, storage: StorageStatus) {
        self.pool = pool
        self.storage = storage
    }

    @_disfavoredOverload  // as GRDB does: in async code the async variant is meant
    func read<T>(_ value: (Database) throws -> T) throws -> T {
        try pool.read(value)
    }

    func read<T: Sendable>(_ value: @Sendable (Database) throws -> T) async throws -> T {
        try await pool.read(value)
    }

    /// Runs `updates` in a transaction and commits it.
    @_disfavoredOverload  // as GRDB does: in async code the async variant is meant
    func write<T>(_ updates: (Database) throws -> T) throws -> T {
        let result: T
        do {
            result = try pool.write(updates)
        } catch {
            throw storage.classify(error)
        }
        storage.recordSuccess()
        return result
    }

    /// Runs `updates` in a transaction and commits it.
    func write<T: Sendable>(_ updates: @Sendable (Database) throws -> T) async throws -> T {
        let result: T
        do {
            result = try await pool.write(updates)
        } catch {
            throw storage.classify(error)
        }
        storage.recordSuccess()
        return result
    }

    /// Runs `updates` outside a transaction (checkpoints, `VACUUM`): a lack of space is said as for `write`, but
    /// success proves nothing was stored, so it does not clear the status.
    @_disfavoredOverload  // as GRDB does: in async code the async variant is meant
    func writeWithoutTransaction<T>(_ updates: (Database) throws -> T) throws -> T {
        do {
            return try pool.writeWithoutTransaction(updates)
        } catch {
            throw storage.classify(error)
        }
    }

    func writeWithoutTransaction<T: Sendable>(_ updates: @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await pool.writeWithoutTransaction(updates)
        } catch {
            throw storage.classify(error)
        }
    }

    /// Copies the database into `writer` (a backup). The copy may live on another disk, so its lack of space says
    /// nothing about this database's and is not recorded.
    func backup(to writer: any DatabaseWriter) throws {
        try pool.backup(to: writer)
    }
}
