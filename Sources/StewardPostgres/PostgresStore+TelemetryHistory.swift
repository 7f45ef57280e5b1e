import StewardCore
import StewardStore
import StewardVault

extension PostgresStore {
    /// Raw readings of one key in `[startTs, endTs)`, `limit` of them in the query's order. A sealed reading whose
    /// person's key is gone is left out (after the limit, as on SQLite).
    func rawPoints(_ db: SQLConnection, seq: Int64, keyID: Int64, query: TimeSeriesQuery) async throws -> [TimeSeriesPoint] {
        let order = query.ascending ? "ASC" : "DESC"
        let rows = try await db.fetchAll(
            sql: """
                SELECT ts, \(StoredValue.columns) FROM ts_kv WHERE device_seq = ? AND key_id = ? AND ts >= ? AND ts < ?
                ORDER BY ts \(order) LIMIT ?
                """,
            arguments: [seq, keyID, query.startTs, query.endTs, query.limit])
        var points: [TimeSeriesPoint] = []
        points.reserveCapacity(rows.count)
        for row in rows {
            if let value = try StoredValue(row: row).value(keys: keys) {
                points.append(TimeSeriesPoint(ts: try row["ts"], value: value))
            }
        }
        return points
    }

    /// Groups readings into buckets of `interval` ms starting at `startTs` (`TimeSeriesBuckets`): one SQL pass adds up
    /// the plain readings, longs and doubles apart (their columns differ), and counts the sealed ones; only when it saw
    /// any are they read again, opened here (no SQL can add them up) and added to the same buckets. A series without
    /// sealed readings is read once.
    ///
    /// `SUM(bigint)` is `numeric` in PostgreSQL, exact beyond `Int64`: it is read as text and becomes a double only
    /// when it no longer fits, as `TimeSeriesBuckets.Number` does. A bucket holding both longs and doubles adds the
    /// two sums once, where SQLite adds reading by reading, so its last bits may differ.
    func aggregatedPoints(_ db: SQLConnection, seq: Int64, keyID: Int64, query: TimeSeriesQuery) async throws -> [TimeSeriesPoint] {
        var buckets = TimeSeriesBuckets(query)
        let rows = try await db.fetchAll(
            sql: """
                SELECT (ts - ?1) / ?2 AS bucket,
                       count(*) FILTER (WHERE t < \(SealedReading.offset)) AS n,
                       count(*) FILTER (WHERE t >= \(SealedReading.offset)) AS sealed_n,
                       count(*) FILTER (WHERE t IN (2, 3)) AS numeric_n,
                       count(*) FILTER (WHERE t = 3) AS double_n,
                       (sum(v_long) FILTER (WHERE t = 2))::text AS long_total,
                       min(v_long) FILTER (WHERE t = 2) AS long_low,
                       max(v_long) FILTER (WHERE t = 2) AS long_high,
                       sum(v_double) FILTER (WHERE t = 3) AS double_total,
                       min(v_double) FILTER (WHERE t = 3) AS double_low,
                       max(v_double) FILTER (WHERE t = 3) AS double_high
                FROM ts_kv WHERE device_seq = ?3 AND key_id = ?4 AND ts >= ?1 AND ts < ?5
                GROUP BY bucket
                """,
            arguments: [query.startTs, buckets.interval, seq, keyID, query.endTs])
        var sealedCount: Int64 = 0
        for row in rows {
            sealedCount += try row["sealed_n"] as Int64
            guard try row["n"] as Int64 > 0 else { continue }
            let bucket: Int64 = try row["bucket"]
            let doubles: Int64 = try row["double_n"]
            let longTotal: String? = try row["long_total"]
            let longLow: Int64? = try row["long_low"]
            let longHigh: Int64? = try row["long_high"]
            buckets.add(
                TimeSeriesBuckets.Bucket(
                    count: try row["n"], numericCount: try row["numeric_n"], sawDouble: doubles > 0,
                    total: longTotal.map(Self.sum), low: longLow.map { .long($0) }, high: longHigh.map { .long($0) }),
                bucket: bucket)
            let doubleTotal: Double? = try row["double_total"]
            let doubleLow: Double? = try row["double_low"]
            let doubleHigh: Double? = try row["double_high"]
            if doubles > 0 {
                buckets.add(
                    TimeSeriesBuckets.Bucket(
                        total: doubleTotal.map { .double($0) }, low: doubleLow.map { .double($0) }, high: doubleHigh.map { .double($0) }),
                    bucket: bucket)
            }
        }
        let sealed = sealedCount == 0 ? [] : try await db.fetchAll(
            sql: """
                SELECT ts, \(StoredValue.columns) FROM ts_kv
                WHERE device_seq = ? AND key_id = ? AND ts >= ? AND ts < ? AND t >= \(SealedReading.offset)
                """,
            arguments: [seq, keyID, query.startTs, query.endTs])
        for row in sealed {
            // A reading whose person's key is gone counts no more: it cannot be read by anyone.
            if let value = try StoredValue(row: row).value(keys: keys) { buckets.add(value, at: try row["ts"]) }
        }
        if ReadingRollups.apply(to: buckets) {
            // Past the raw horizon: the totals an aggregate rule kept of deleted readings.
            let firstHour = try await db.fetchValue(Int64.self, sql: ReadingRollups.firstHour, arguments: [seq, keyID]) ?? Int64.max
            let rows = try await db.fetchAll(
                sql: ReadingRollups.rows, arguments: [seq, keyID, query.startTs, query.endTs, query.startTs, firstHour, query.endTs])
            for row in rows {
                buckets.add(
                    ReadingRollups.bucket(
                        n: try row["n"], numeric: try row["numeric_n"], doubles: try row["double_n"], total: try row["total"],
                        low: try row["low"], high: try row["high"]),
                    bucket: buckets.bucket(of: try row["start"]))
            }
        }
        return buckets.points()
    }

    /// A `numeric` sum of longs (as text): exact while it fits in `Int64`, a double beyond.
    static func sum(_ text: String) -> TimeSeriesBuckets.Number {
        if let exact = Int64(text) { return .long(exact) }
        return .double(Double(text) ?? .nan)
    }
}
