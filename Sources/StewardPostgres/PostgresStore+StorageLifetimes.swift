import StewardCore
import StewardStore

/// Readings that go before their category's period: written with a time to live, or kept under a tenant's or a device
/// profile's storage TTL.
extension PostgresStore {
    public func expireTTLReadings(now: Int64, limit: Int, dryRun: Bool) async throws -> RetentionStep {
        try RetentionStep.check(limit: limit)
        if dryRun { return try await countStep(ReadingExpirySQL.count, [now], oldest: ReadingExpirySQL.oldest, []) }
        return try await database.write { db in
            // One statement, so the readings deleted are exactly those whose expiry rows went.
            let row = try await db.fetchAll(
                sql: """
                    WITH gone AS (DELETE FROM ts_kv_expiry WHERE (device_seq, key_id, ts) IN (\(ReadingExpirySQL.batch))
                                  RETURNING device_seq, key_id, ts),
                    readings AS (DELETE FROM ts_kv r USING gone g
                                 WHERE r.device_seq = g.device_seq AND r.key_id = g.key_id AND r.ts = g.ts RETURNING 1),
                    latest AS (DELETE FROM ts_kv_latest l USING gone g
                               WHERE l.device_seq = g.device_seq AND l.key_id = g.key_id AND l.ts = g.ts RETURNING 1)
                    SELECT (SELECT count(*) FROM gone) AS expired, (SELECT count(*) FROM readings) AS readings
                    """, arguments: [now, limit]
            ).first
            let expired = Int(try row?["expired"] as Int64? ?? 0)
            let readings = Int(try row?["readings"] as Int64? ?? 0)
            return RetentionStep(
                affected: readings, more: expired == limit, oldest: try await db.fetchValue(Int64.self, sql: ReadingExpirySQL.oldest))
        }
    }

    public func foldedStatistics(tenant: TenantID, category: String, key: String) async throws -> [Int64: DailyStatistic] {
        try await database.read { db in
            var days: [Int64: DailyStatistic] = [:]
            for row in try await db.fetchAll(sql: ReadingExpirySQL.foldedStatistics, arguments: [tenant.description, category, key]) {
                days[try row["day"]] = DailyStatistic(
                    count: Int(try row["count"] as Int64), sum: try row["sum"], min: try row["min"], max: try row["max"])
            }
            return days
        }
    }

    public func unopenedAccounts(createdBefore cutoff: Int64) async throws -> RetentionStep {
        try await countStep(ReadingExpirySQL.unopenedCount, [cutoff], oldest: ReadingExpirySQL.unopenedOldest, [])
    }

    /// Nothing to do here: autovacuum makes deleted rows' space reusable by new rows.
    public func reclaimSpace() async throws -> Int64 { 0 }

    public func storageTTLs() async throws -> [StorageTTL] {
        try await database.read { db in
            try await db.fetchAll(sql: StorageTTL.listSQL).compactMap { row in
                let id: String = try row["id"]
                let kind: String = try row["kind"]
                let scope: StorageTTLScope? =
                    kind == "tenant" ? TenantID(id).map(StorageTTLScope.tenant) : DeviceProfileID(id).map(StorageTTLScope.profile)
                guard let scope else { return nil }
                return StorageTTL(scope: scope, name: try row["name"], seconds: try row["storage_ttl"])
            }
        }
    }

    public func setStorageTTL(_ scope: StorageTTLScope, tenant: TenantID, seconds: Int64?) async throws {
        if let seconds { try StorageTTL.check(seconds: seconds) }
        try await database.write { db in
            let changed = try await db.execute(sql: StorageTTL.setSQL(scope), arguments: [seconds, scope.id, tenant.description])
            guard changed > 0 else { throw StorageTTL.notFound(scope) }
        }
    }

    public func expireReadings(of scope: StorageTTLScope, before cutoff: Int64, limit: Int, dryRun: Bool) async throws -> RetentionStep {
        try RetentionStep.check(limit: limit)
        let sql = ReadingRetentionSQL.statements(selection: scope.selection)
        if dryRun { return try await countStep(sql.count, [scope.id, cutoff], oldest: sql.oldest, [scope.id]) }
        return try await database.write { db in
            let deleted = try await db.execute(sql: sql.deleteBatch, arguments: [scope.id, cutoff, limit])
            _ = try await db.execute(sql: sql.deleteLatest, arguments: [scope.id, cutoff])
            return RetentionStep(
                changed: deleted, limit: limit, oldest: try await db.fetchValue(Int64.self, sql: sql.oldest, arguments: [scope.id]))
        }
    }
}
