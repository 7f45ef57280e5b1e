import StewardCore
import StewardStore

/// Retention by the month: a month partition whose every reading has expired under a delete rule is detached and
/// dropped in one short transaction, which returns its space to the filesystem at once, instead of millions of row
/// deletes that autovacuum must then clean up.
extension PostgresStore {
    public func dropExpiredMonths(cutoffs: [TelemetrySeriesGroup: Int64], dryRun: Bool) async throws -> [DroppedMonth] {
        guard let latestCutoff = cutoffs.values.max() else { return [] }
        var dropped: [DroppedMonth] = []
        for month in try await monthPartitions() where month.end <= latestCutoff {
            let groups = try await database.read { db in
                try await db.fetchAll(
                    sql: """
                        SELECT DISTINCT p.name AS profile, k.key AS key
                        FROM (SELECT DISTINCT device_seq, key_id FROM \(month.name)) x
                        JOIN device d ON d.seq = x.device_seq LEFT JOIN device_profile p ON p.id = d.profile_id
                        JOIN ts_key k ON k.id = x.key_id
                        """
                ).map { TelemetrySeriesGroup(profile: try $0["profile"], key: try $0["key"]) }
            }
            // Every group in the month must be past its delete rule's cutoff; one that folds, or lives longer, keeps
            // the whole month (its expired rows then go row by row).
            guard groups.allSatisfy({ group in cutoffs[group].map { month.end <= $0 } ?? false }) else { continue }
            if dryRun {
                let count = try await database.read { db in try await db.fetchValue(Int64.self, sql: "SELECT count(*) FROM \(month.name)") }
                dropped.append(DroppedMonth(name: month.name, start: month.start, end: month.end, readings: Int(count ?? 0)))
                continue
            }
            let readings: Int
            do {
                readings = try await dropMonth(month)
            } catch let error as StewardError where error.kind == .timeout {
                continue  // ingest held ts_kv: this month goes at the next run
            }
            dropped.append(DroppedMonth(name: month.name, start: month.start, end: month.end, readings: readings))
        }
        return dropped
    }

    /// Detaches and drops one month in one transaction; answers how many readings it held.
    func dropMonth(_ month: (name: String, start: Int64, end: Int64)) async throws -> Int {
        try await database.write { db -> Int in
            // Detaching takes an exclusive lock on ts_kv (PostgreSQL 15 cannot detach concurrently beside a
            // default partition): waiting for it at most 2 s keeps ingest from queueing behind; the next run
            // tries again.
            try await db.execute(sql: "SET LOCAL lock_timeout = '2s'")
            let count = try await db.fetchValue(Int64.self, sql: "SELECT count(*) FROM \(month.name)") ?? 0
            try await db.execute(sql: "ALTER TABLE ts_kv DETACH PARTITION \(month.name)")
            try await db.execute(sql: "DROP TABLE \(month.name)")
            try await db.execute(
                sql: "DELETE FROM ts_kv_expiry WHERE ts >= ? AND ts < ?", arguments: [month.start, month.end])
            return Int(count)
        }
    }

    /// The month partitions of `ts_kv` (`ts_kv_YYYYMM`), oldest first, with their bounds.
    func monthPartitions() async throws -> [(name: String, start: Int64, end: Int64)] {
        let names = try await database.read { db in
            try await db.fetchValues(
                String.self,
                sql: """
                    SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                    JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'ts_kv' AND c.relname ~ '^ts_kv_[0-9]{6}$'
                    ORDER BY 1
                    """)
        }
        return names.compactMap { name in
            let digits = name.dropFirst("ts_kv_".count)
            guard let year = Int(digits.prefix(4)), let month = Int(digits.suffix(2)) else { return nil }
            return TelemetryPartitions.bounds(year: year, month: month)
        }
    }
}
