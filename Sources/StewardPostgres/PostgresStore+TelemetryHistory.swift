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
    /// the plain readings per bucket and type (longs and doubles have columns of their own), and counts the sealed
    /// ones; only when it saw
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
                SELECT (ts - ?1) / ?2 AS bucket, t, count(*) AS n,
                       sum(v_long)::text AS long_total, min(v_long) AS long_low, max(v_long) AS long_high,
                       sum(v_double) AS double_total, min(v_double) AS double_low, max(v_double) AS double_high
                FROM ts_kv WHERE device_seq = ?3 AND key_id = ?4 AND ts >= ?1 AND ts < ?5
                GROUP BY bucket, t
                """,
            arguments: [query.startTs, buckets.interval, seq, keyID, query.endTs])
        var sealedCount: Int64 = 0
        for row in rows {
            let t: Int64 = try row["t"]
            let n: Int64 = try row["n"]
            guard t < SealedReading.offset else {
                sealedCount += n
                continue
            }
            // One group per bucket and type: longs (2) and doubles (3) have totals in their own column; the rest count.
            var totals = TimeSeriesBuckets.Bucket(count: n, numericCount: 0, sawDouble: false, total: nil, low: nil, high: nil)
            if t == 2 {
                let total: String? = try row["long_total"]
                let low: Int64? = try row["long_low"]
                let high: Int64? = try row["long_high"]
                totals = .init(count: n, numericCount: n, sawDouble: false, total: total.map(Self.sum), low: low.map { .long($0) }, high: high.map { .long($0) })
            } else if t == 3 {
                let total: Double? = try row["double_total"]
                let low: Double? = try row["double_low"]
                let high: Double? = try row["double_high"]
                totals = .init(count: n, numericCount: n, sawDouble: true, total: total.map { .double($0) }, low: low.map { .double($0) }, high: high.map { .double($0) })
            }
            buckets.add(totals, bucket: try row["bucket"])
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
