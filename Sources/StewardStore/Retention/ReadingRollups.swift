import StewardCore

/// What an `aggregate` rule keeps of the readings it deletes: the tenant's daily statistics for `category` (no
/// device), and, when the rule declares how long, hourly and daily totals per device and key (`ts_rollup`) that
/// history queries of an hour or more read past the raw horizon.
public struct ReadingFold: Sendable, Equatable {
    public var category: String
    public var rollUps: Bool

    public init(category: String, rollUps: Bool) {
        self.category = category
        self.rollUps = rollUps
    }
}

/// The two widths of `ts_rollup` rows.
public enum RollupWidth: Int64, Sendable, CaseIterable {
    case hour = 3_600_000
    case day = 86_400_000
}

/// The roll-up SQL both backends share, and how a row becomes a history bucket.
public enum ReadingRollups {
    /// SQLite: adds a batch of readings (parameters: the selection's, cutoff, limit) to the rows of `width`. Sums,
    /// minima and maxima are kept as doubles on both backends (exact up to 2^53), counted apart per type.
    public static func sqliteFill(_ width: RollupWidth, selection: String) -> String {
        let w = width.rawValue
        let numeric = "CASE WHEN b.t IN (2, 3) THEN b.v END"
        return """
            INSERT INTO ts_rollup(device_seq, key_id, width, start, n, numeric_n, double_n, total, low, high)
            SELECT b.device_seq, b.key_id, \(w), b.ts / \(w) * \(w), COUNT(*), SUM(b.t IN (2, 3)), SUM(b.t = 3),
                   CASE WHEN SUM(b.t IN (2, 3)) > 0 THEN TOTAL(\(numeric)) END, MIN(\(numeric)) * 1.0, MAX(\(numeric)) * 1.0
            FROM (\(ReadingRetentionSQL.batch(selection: selection, values: ", r.t, r.v"))) b
            WHERE b.t < 100
            GROUP BY b.device_seq, b.key_id, b.ts / \(w)
            ON CONFLICT(device_seq, key_id, width, start) DO UPDATE SET
                n = n + excluded.n, numeric_n = numeric_n + excluded.numeric_n, double_n = double_n + excluded.double_n,
                total = CASE WHEN total IS NULL THEN excluded.total WHEN excluded.total IS NULL THEN total
                             ELSE total + excluded.total END,
                low = CASE WHEN low IS NULL OR excluded.low < low THEN excluded.low ELSE low END,
                high = CASE WHEN high IS NULL OR excluded.high > high THEN excluded.high ELSE high END
            """
    }

    /// PostgreSQL: a data-modifying CTE (named `name`) adding the rows of a `gone` CTE (device_seq, key_id, ts, t, x).
    public static func postgresFill(_ width: RollupWidth, name: String) -> String {
        let w = width.rawValue
        let numeric = "FILTER (WHERE g.t IN (2, 3))"
        return """
            \(name) AS (
              INSERT INTO ts_rollup(device_seq, key_id, width, start, n, numeric_n, double_n, total, low, high)
              SELECT g.device_seq, g.key_id, \(w), g.ts / \(w) * \(w), count(*), count(*) \(numeric), count(*) FILTER (WHERE g.t = 3),
                     sum(g.x) \(numeric), min(g.x) \(numeric), max(g.x) \(numeric)
              FROM gone g WHERE g.t < 100 GROUP BY g.device_seq, g.key_id, g.ts / \(w)
              ON CONFLICT (device_seq, key_id, width, start) DO UPDATE SET
                n = ts_rollup.n + excluded.n, numeric_n = ts_rollup.numeric_n + excluded.numeric_n,
                double_n = ts_rollup.double_n + excluded.double_n,
                total = CASE WHEN ts_rollup.total IS NULL THEN excluded.total WHEN excluded.total IS NULL THEN ts_rollup.total
                             ELSE ts_rollup.total + excluded.total END,
                low = LEAST(ts_rollup.low, excluded.low), high = GREATEST(ts_rollup.high, excluded.high)
              RETURNING 1)
            """
    }

    /// The first hourly row of a series (parameters: device, key): daily rows count only for days wholly before it,
    /// so no reading is counted twice while hourly rows still cover its day.
    public static let firstHour = "SELECT MIN(start) FROM ts_rollup WHERE device_seq = ? AND key_id = ? AND width = \(RollupWidth.hour.rawValue)"

    /// The rows a history query reads (parameters: device, key, startTs, endTs, startTs, first hour or max, endTs).
    public static let rows = """
        SELECT start, n, numeric_n, double_n, total, low, high FROM ts_rollup WHERE device_seq = ? AND key_id = ? AND (
          (width = \(RollupWidth.hour.rawValue) AND start >= ? AND start < ?)
          OR (width = \(RollupWidth.day.rawValue) AND start >= ? AND start + \(RollupWidth.day.rawValue) <= ? AND start < ?))
        """

    /// Whether a query reads roll-ups: aggregated, in buckets of an hour or more (under an hour, raw readings only,
    /// as in ThingsBoard). A row counts in the bucket where it starts, so buckets are exact when the query's start
    /// and interval are whole hours (whole days for data older than the hourly totals).
    public static func apply(to buckets: TimeSeriesBuckets) -> Bool {
        buckets.query.aggregation != .none && buckets.interval >= RollupWidth.hour.rawValue
    }

    /// A roll-up row as a history bucket. Figures of rows without doubles come back as longs while they are whole and
    /// within 2^53, as the readings were.
    public static func bucket(n: Int64, numeric: Int64, doubles: Int64, total: Double?, low: Double?, high: Double?)
        -> TimeSeriesBuckets.Bucket
    {
        func number(_ value: Double?) -> TimeSeriesBuckets.Number? {
            guard let value else { return nil }
            if doubles == 0, value.rounded() == value, abs(value) < 9_007_199_254_740_992 { return .long(Int64(value)) }
            return .double(value)
        }
        return TimeSeriesBuckets.Bucket(
            count: n, numericCount: numeric, sawDouble: doubles > 0, total: number(total), low: number(low), high: number(high))
    }

    /// Deleting roll-up rows of a group's devices and key older than a cutoff (parameters: width first, then the
    /// selection's, then the cutoff; for the batch also the limit).
    public static func expireStatements(selection: String) -> (count: String, deleteBatch: String, oldest: String) {
        (
            "SELECT COUNT(*) FROM ts_rollup r WHERE r.width = ? AND \(selection) AND r.start < ?",
            """
            DELETE FROM ts_rollup WHERE (device_seq, key_id, width, start) IN (
              SELECT r.device_seq, r.key_id, r.width, r.start FROM ts_rollup r WHERE r.width = ? AND \(selection) AND r.start < ?
              ORDER BY r.device_seq, r.key_id, r.start LIMIT ?)
            """,
            "SELECT MIN(r.start) FROM ts_rollup r WHERE r.width = ? AND \(selection)"
        )
    }
}
