import GRDB
import StewardCore
import StewardStore

/// Readings that go before their category's period: written with a time to live, or kept under a tenant's or a device
/// profile's storage TTL.
extension SQLiteStore {
    public func expireTTLReadings(now: Int64, limit: Int, dryRun: Bool) async throws -> RetentionStep {
        try RetentionStep.check(limit: limit)
        if dryRun { return try await countStep(ReadingExpirySQL.count, [now], oldest: ReadingExpirySQL.oldest, []) }
        return try await pool.write { db in
            // One writer: the three statements see the same batch.
            try db.execute(sql: ReadingExpirySQL.delete(from: "ts_kv"), arguments: [now, limit])
            let readings = db.changesCount
            try db.execute(sql: ReadingExpirySQL.delete(from: "ts_kv_latest"), arguments: [now, limit])
            try db.execute(sql: ReadingExpirySQL.delete(from: "ts_kv_expiry"), arguments: [now, limit])
            let expired = db.changesCount
            return RetentionStep(
                affected: readings, more: expired == limit, oldest: try Int64.fetchOne(db, sql: ReadingExpirySQL.oldest))
        }
    }

    public func foldedStatistics(tenant: TenantID, category: String, key: String) async throws -> [Int64: DailyStatistic] {
        try await pool.read { db in
            var days: [Int64: DailyStatistic] = [:]
            for row in try Row.fetchAll(db, sql: ReadingExpirySQL.foldedStatistics, arguments: [tenant.description, category, key]) {
                days[row["day"]] = DailyStatistic(count: row["count"], sum: row["sum"], min: row["min"], max: row["max"])
            }
            return days
        }
    }

    public func unopenedAccounts(createdBefore cutoff: Int64) async throws -> RetentionStep {
        try await countStep(ReadingExpirySQL.unopenedCount, [cutoff], oldest: ReadingExpirySQL.unopenedOldest, [])
    }

    public func reclaimSpace() async throws -> Int64 {
        var returned: Int64 = 0
        // Bounded: at most 200 batches (~3 GB of 4 KB pages) per run; the next run goes on.
        for _ in 0..<200 {
            let step = try await pool.write { db -> Int64 in
                guard try Int.fetchOne(db, sql: "PRAGMA auto_vacuum") == 2 else { return 0 }
                let free = try Int64.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0
                let pages = try Int64.fetchOne(db, sql: "PRAGMA page_count") ?? 0
                // Keep some free pages for the next inserts; return the rest while they are a good share of the file.
                guard free > max(Self.keptFreePages, pages / 10) else { return 0 }
                let pageSize = try Int64.fetchOne(db, sql: "PRAGMA page_size") ?? 4096
                try db.execute(sql: "PRAGMA incremental_vacuum(\(min(Self.reclaimBatchPages, free - Self.keptFreePages)))")
                return (free - (try Int64.fetchOne(db, sql: "PRAGMA freelist_count") ?? free)) * pageSize
            }
            guard step > 0 else { break }
            returned += step
            try Task.checkCancellation()
        }
        return returned
    }

    /// Pages handed back per write: a short transaction, so ingest waits little behind it.
    static let reclaimBatchPages: Int64 = 2_000
    /// Free pages always kept for the next inserts (1 MB of 4 KB pages).
    static let keptFreePages: Int64 = 256

    /// SQLite keeps readings in one table: expired ones go row by row (`expireReadings`).
    public func dropExpiredMonths(cutoffs: [TelemetrySeriesGroup: Int64], dryRun: Bool) async throws -> [DroppedMonth] { [] }

    public func storageTTLs() async throws -> [StorageTTL] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: StorageTTL.listSQL).compactMap { row in
                let id: String = row["id"]
                let scope: StorageTTLScope? =
                    (row["kind"] as String) == "tenant"
                    ? TenantID(id).map(StorageTTLScope.tenant) : DeviceProfileID(id).map(StorageTTLScope.profile)
                return scope.map { StorageTTL(scope: $0, name: row["name"], seconds: row["storage_ttl"]) }
            }
        }
    }

    public func setStorageTTL(_ scope: StorageTTLScope, tenant: TenantID, seconds: Int64?) async throws {
        if let seconds { try StorageTTL.check(seconds: seconds) }
        try await pool.write { db in
            try db.execute(sql: StorageTTL.setSQL(scope), arguments: [seconds, scope.id, tenant.description])
            guard db.changesCount > 0 else { throw StorageTTL.notFound(scope) }
        }
    }

    public func expireReadings(of scope: StorageTTLScope, before cutoff: Int64, limit: Int, dryRun: Bool) async throws -> RetentionStep {
        try RetentionStep.check(limit: limit)
        let sql = ReadingRetentionSQL.statements(selection: scope.selection)
        if dryRun { return try await countStep(sql.count, [scope.id, cutoff], oldest: sql.oldest, [scope.id]) }
        return try await pool.write { db in
            try db.execute(sql: sql.deleteBatch, arguments: [scope.id, cutoff, limit])
            let deleted = db.changesCount
            try db.execute(sql: sql.deleteLatest, arguments: [scope.id, cutoff])
            return RetentionStep(changed: deleted, limit: limit, oldest: try Int64.fetchOne(db, sql: sql.oldest, arguments: [scope.id]))
        }
    }
}
