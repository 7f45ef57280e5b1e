import StewardCore
import StewardStore

/// The public statistics on PostgreSQL: readings keep longs and doubles in `v_long` and `v_double` (t 2 and 3), so
/// each is summed and the two combined; sealed readings (t >= 100) and text never reach a published figure.
extension PostgresStore: StatisticsStore {
    public func telemetryKeyNames() async throws -> [String] {
        try await database.read { db in try await db.fetchValues(String.self, sql: "SELECT key FROM ts_key ORDER BY key") }
    }

    public func oldestReading(keys: [String]) async throws -> Int64? {
        try await database.read { db in
            var oldest: Int64?
            for keyID in try await Self.keyIDs(db, keys).values {
                let found = try await db.fetchValue(Int64.self, sql: StatisticsSQL.oldestReading, arguments: [keyID])
                if let found, found < oldest ?? .max { oldest = found }
            }
            return oldest
        }
    }

    public func dailyGroups(keys: [String], day: Int64) async throws -> [DailyReadingGroup] {
        let (start, end) = (day * 86_400_000, (day + 1) * 86_400_000)
        return try await database.read { db in
            var groups: [DailyReadingGroup] = []
            for (key, keyID) in try await Self.keyIDs(db, keys).sorted(by: { $0.key < $1.key }) {
                for row in try await db.fetchAll(
                    sql: """
                        SELECT p.name AS profile, COUNT(DISTINCT r.device_seq) AS devices, COUNT(*) AS readings,
                               COALESCE(SUM(r.v_long)::float8, 0) + COALESCE(SUM(r.v_double), 0) AS total
                        FROM device d
                        JOIN ts_kv r ON r.device_seq = d.seq AND r.key_id = ? AND r.ts >= ? AND r.ts < ? AND r.t IN (2, 3)
                        LEFT JOIN device_profile p ON p.id = d.profile_id
                        GROUP BY p.name ORDER BY p.name
                        """, arguments: [keyID, start, end])
                {
                    groups.append(
                        DailyReadingGroup(
                            profile: try row["profile"], key: key, day: day, devices: Int(try row["devices"] as Int64),
                            readings: Int(try row["readings"] as Int64), total: try row["total"]))
                }
            }
            return groups
        }
    }

    public func lastReleasedDay() async throws -> Int64? {
        try await database.read { db in try await db.fetchValue(Int64.self, sql: StatisticsSQL.lastReleasedDay) }
    }

    public func release(day: Int64, rows: [PublishedStatistic], time: Int64) async throws -> Bool {
        try StatisticsRelease.check(day: day, rows: rows)
        return try await database.write { db in
            let marked = try await db.execute(
                sql: StatisticsSQL.insert,
                arguments: [StatisticsSQL.marker, StatisticsSQL.marker, day, nil, nil, nil, nil, time])
            guard marked == 1 else { return false }
            for row in rows {
                let f = row.figures
                _ = try await db.execute(
                    sql: StatisticsSQL.insert,
                    arguments: [
                        row.category, row.key, day, f.map { Int64($0.devices) }, f.map { Int64($0.readings) }, f?.total, f?.average,
                        time,
                    ])
            }
            return true
        }
    }

    public func publishedStatistics(fromDay: Int64) async throws -> [PublishedStatistic] {
        try await database.read { db in
            try await db.fetchAll(sql: StatisticsSQL.published, arguments: [fromDay]).map { row in
                let devices = try row["devices"] as Int64?
                var figures: PublishedStatistic.Figures?
                if let devices {
                    figures = PublishedStatistic.Figures(
                        devices: Int(devices), readings: Int(try row["readings"] as Int64), total: try row["total"],
                        average: try row["average"])
                }
                return PublishedStatistic(
                    category: try row["category"], key: try row["key"], day: try row["day"], figures: figures,
                    publishedTime: try row["published_time"])
            }
        }
    }

    /// The ids of those of `keys` that were ever stored.
    static func keyIDs(_ db: SQLConnection, _ keys: [String]) async throws -> [String: Int64] {
        var ids: [String: Int64] = [:]
        for key in Set(keys) {
            if let id = try await db.fetchValue(Int64.self, sql: "SELECT id FROM ts_key WHERE key = ?", arguments: [key]) { ids[key] = id }
        }
        return ids
    }
}
