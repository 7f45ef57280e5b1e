import Foundation
import StewardCore

/// Readings are partitioned by month (native declarative partitioning on `ts`): a range query touches only the months
/// it covers, and retention can later drop a whole month at once.
///
/// - `ts_kv_old` holds everything before the month the database was created in, `ts_kv_default` anything no month
///   partition covers (a far-future timestamp).
/// - `ensure` creates the partitions of this month and the next three that are missing, moving rows the default
///   partition holds for that month into the new one first. The server runs it hourly, so a month always exists
///   before its first reading arrives.
enum TelemetryPartitions {
    static let monthsAhead = 3

    static func ensure(_ database: PostgresDatabase, now: Int64) async throws {
        let months = (0...monthsAhead).map { monthBounds(containing: now, offset: $0) }
        try await database.write { db in
            try await db.execute(sql: "SELECT pg_advisory_xact_lock(?)", arguments: [PostgresSchema.migrationLock + 1])
            let existing = Set(
                try await db.fetchValues(
                    String.self,
                    sql: """
                        SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                        JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'ts_kv'
                        """))
            if !existing.contains("ts_kv_old") {
                try await db.execute(
                    sql: "CREATE TABLE ts_kv_old PARTITION OF ts_kv FOR VALUES FROM (MINVALUE) TO (\(months[0].start))")
            }
            if !existing.contains("ts_kv_default") {
                try await db.execute(sql: "CREATE TABLE ts_kv_default PARTITION OF ts_kv DEFAULT")
            }
            for month in months where !existing.contains(month.name) {
                let (name, start, end) = (month.name, month.start, month.end)
                try await db.execute(
                    sql: """
                        CREATE TABLE \(name) (LIKE ts_kv INCLUDING DEFAULTS INCLUDING CONSTRAINTS,
                          CONSTRAINT \(name)_range CHECK (ts >= \(start) AND ts < \(end)))
                        """)
                try await db.execute(
                    sql: """
                        WITH moved AS (DELETE FROM ts_kv_default WHERE ts >= \(start) AND ts < \(end) RETURNING *)
                        INSERT INTO \(name) SELECT * FROM moved
                        """)
                try await db.execute(sql: "ALTER TABLE ts_kv ATTACH PARTITION \(name) FOR VALUES FROM (\(start)) TO (\(end))")
            }
        }
    }

    /// The partition of a UTC month (1...12): its name and bounds in ms.
    static func bounds(year: Int, month: Int) -> (name: String, start: Int64, end: Int64) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let start = calendar.date(from: DateComponents(year: year, month: month, day: 1))!
        return monthBounds(containing: Int64(start.timeIntervalSince1970 * 1000), offset: 0)
    }

    /// The UTC month `offset` months after the one holding `time` (ms): its partition name and bounds in ms.
    static func monthBounds(containing time: Int64, offset: Int) -> (name: String, start: Int64, end: Int64) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let date = Date(timeIntervalSince1970: Double(time) / 1000)
        var components = calendar.dateComponents([.year, .month], from: date)
        components.day = 1
        let first = calendar.date(from: components)!
        let start = calendar.date(byAdding: .month, value: offset, to: first)!
        let end = calendar.date(byAdding: .month, value: 1, to: start)!
        let parts = calendar.dateComponents([.year, .month], from: start)
        let name = String(format: "ts_kv_%04d%02d", parts.year!, parts.month!)
        return (name, Int64(start.timeIntervalSince1970 * 1000), Int64(end.timeIntervalSince1970 * 1000))
    }
}
