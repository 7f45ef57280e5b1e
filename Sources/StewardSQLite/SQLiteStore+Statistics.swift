import GRDB
import StewardCore
import StewardStore

/// The public statistics on SQLite: readings are `ts_kv(device_seq, key_id, ts, t, v)`; only plain longs and doubles
/// (t 2 and 3) count, so sealed readings (t >= 100) and text never reach a published figure.
extension SQLiteStore: StatisticsStore {
    public func telemetryKeyNames() async throws -> [String] {
        try await pool.read { db in try String.fetchAll(db, sql: "SELECT key FROM ts_key ORDER BY key") }
    }

    public func oldestReading(keys: [String]) async throws -> Int64? {
        try await pool.read { db in
            var oldest: Int64?
            for keyID in try Self.keyIDs(db, keys).values {
                let found = try Int64.fetchOne(db, sql: StatisticsSQL.oldestReading, arguments: [keyID])
                if let found, found < oldest ?? .max { oldest = found }
            }
            return oldest
        }
    }

    public func dailyGroups(keys: [String], day: Int64) async throws -> [DailyReadingGroup] {
        let (start, end) = (day * 86_400_000, (day + 1) * 86_400_000)
        return try await pool.read { db in
            var groups: [DailyReadingGroup] = []
            for (key, keyID) in try Self.keyIDs(db, keys).sorted(by: { $0.key < $1.key }) {
                // Device by device, a primary-key range (device_seq, key_id, ts) over the day.
                for row in try Row.fetchAll(
                    db,
                    sql: """
                        SELECT p.name AS profile, COUNT(DISTINCT r.device_seq) AS devices, COUNT(*) AS readings, TOTAL(r.v) AS total
                        FROM device d
                        JOIN ts_kv r ON r.device_seq = d.seq AND r.key_id = ? AND r.ts >= ? AND r.ts < ? AND r.t IN (2, 3)
                        LEFT JOIN device_profile p ON p.id = d.profile_id
                        GROUP BY p.name ORDER BY p.name
                        """, arguments: [keyID, start, end])
                {
                    groups.append(
                        DailyReadingGroup(
                            profile: row["profile"], key: key, day: day, devices: row["devices"], readings: row["readings"],
                            total: row["total"]))
                }
            }
            return groups
        }
    }

    public func lastReleasedDay() async throws -> Int64? {
        try await pool.read { db in try Int64.fetchOne(db, sql: StatisticsSQL.lastReleasedDay) }
    }

    public func release(day: Int64, rows: [PublishedStatistic], time: Int64) async throws -> Bool {
        try StatisticsRelease.check(day: day, rows: rows)
        return try await pool.write { db in
            try db.execute(
                sql: StatisticsSQL.insert,
                arguments: [StatisticsSQL.marker, StatisticsSQL.marker, day, nil, nil, nil, nil, time])
            guard db.changesCount == 1 else { return false }
            for row in rows {
                let f = row.figures
                try db.execute(
                    sql: StatisticsSQL.insert,
                    arguments: [row.category, row.key, day, f?.devices, f?.readings, f?.total, f?.average, time])
            }
            return true
        }
    }

    public func publishedStatistics(fromDay: Int64) async throws -> [PublishedStatistic] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: StatisticsSQL.published, arguments: [fromDay]).map { row in
                let devices: Int? = row["devices"]
                return PublishedStatistic(
                    category: row["category"], key: row["key"], day: row["day"],
                    figures: devices.map {
                        PublishedStatistic.Figures(devices: $0, readings: row["readings"], total: row["total"], average: row["average"])
                    }, publishedTime: row["published_time"])
            }
        }
    }

    /// The ids of those of `keys` that were ever stored.
    static func keyIDs(_ db: Database, _ keys: [String]) throws -> [String: Int64] {
        var ids: [String: Int64] = [:]
        for key in Set(keys) {
            if let id = try Int64.fetchOne(db, sql: "SELECT id FROM ts_key WHERE key = ?", arguments: [key]) { ids[key] = id }
        }
        return ids
    }
}
