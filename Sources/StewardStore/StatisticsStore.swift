import StewardCore

/// One day of one telemetry key's plain numeric readings (long and double; never sealed, text or flags) on the
/// devices of one device profile, over every tenant: the raw material of the public statistics (promise HA-7).
/// The profile is kept apart because the declaration's telemetry mapping may put the same key in different
/// categories for different profiles; a device has one profile, so groups of one key never share a device.
public struct DailyReadingGroup: Sendable, Equatable, Hashable {
    /// The device profile's name; nil for devices without a profile.
    public var profile: String?
    public var key: String
    /// Days since 1970-01-01 (UTC).
    public var day: Int64
    /// How many distinct devices sent a numeric reading of the key that day.
    public var devices: Int
    public var readings: Int
    /// The sum of the readings.
    public var total: Double

    public init(profile: String?, key: String, day: Int64, devices: Int, readings: Int, total: Double) {
        self.profile = profile
        self.key = key
        self.day = day
        self.devices = devices
        self.readings = readings
        self.total = total
    }
}

/// One row of the frozen public release: a (category, key, day) group with its figures, or with none when the group
/// was too small to publish. The suppressed row stays so the group can never appear later; rows are never updated.
public struct PublishedStatistic: Sendable, Equatable {
    public struct Figures: Sendable, Equatable {
        public var devices: Int
        public var readings: Int
        public var total: Double
        public var average: Double

        public init(devices: Int, readings: Int, total: Double, average: Double) {
            self.devices = devices
            self.readings = readings
            self.total = total
            self.average = average
        }
    }

    public var category: String
    public var key: String
    /// Days since 1970-01-01 (UTC).
    public var day: Int64
    /// Nil: suppressed (fewer distinct devices than the declared minimum).
    public var figures: Figures?
    /// When the day was released (ms).
    public var publishedTime: Int64

    public init(category: String, key: String, day: Int64, figures: Figures?, publishedTime: Int64) {
        self.category = category
        self.key = key
        self.day = day
        self.figures = figures
        self.publishedTime = publishedTime
    }
}

/// The store side of the public statistics: the daily figures per key across all tenants, and the frozen release.
///
/// A released day is marked by a row with an empty category and key (and no figures), written in the same
/// transaction as the day's groups, so a day with no groups is not recomputed and a day is released exactly once,
/// even by two servers at the same time.
public protocol StatisticsStore: Sendable {
    /// The name of every telemetry key ever stored, so the caller can pick those its mapping publishes.
    func telemetryKeyNames() async throws -> [String]

    /// The time (ms) of the oldest stored reading of any of `keys`, or nil when there is none.
    func oldestReading(keys: [String]) async throws -> Int64?

    /// For each of `keys` (unknown names are skipped) and each device profile, the numeric readings taken on `day`
    /// (days since 1970-01-01, UTC) by devices of that profile: distinct devices, count, sum. Groups without a
    /// reading are left out.
    func dailyGroups(keys: [String], day: Int64) async throws -> [DailyReadingGroup]

    /// The latest released day, or nil when none is.
    func lastReleasedDay() async throws -> Int64?

    /// Releases `day` with `rows` (every row must be of that day) at `time`, in one transaction; returns false, and
    /// writes nothing, when the day was already released. Rows are inserted, never updated.
    func release(day: Int64, rows: [PublishedStatistic], time: Int64) async throws -> Bool

    /// The released rows with figures (suppressed ones are never returned) of the days from `fromDay` on, newest day
    /// first, then by category and key.
    func publishedStatistics(fromDay: Int64) async throws -> [PublishedStatistic]
}

/// The SQL both backends share for the release (same table and column names; `?` placeholders).
public enum StatisticsSQL {
    /// The category and key of a day's release marker.
    public static let marker = ""

    /// The oldest reading of a key (parameter: key id): one primary-key seek per device instead of a scan of every
    /// reading.
    public static let oldestReading = "SELECT MIN((SELECT MIN(ts) FROM ts_kv WHERE device_seq = d.seq AND key_id = ?)) FROM device d"

    public static let lastReleasedDay = "SELECT MAX(day) FROM published_statistic WHERE category = '' AND key = ''"

    public static let insert = """
        INSERT INTO published_statistic(category, key, day, devices, readings, total, average, published_time)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (category, key, day) DO NOTHING
        """

    public static let published = """
        SELECT category, key, day, devices, readings, total, average, published_time FROM published_statistic
        WHERE day >= ? AND devices IS NOT NULL AND category <> '' ORDER BY day DESC, category, key
        """
}

/// The checks both backends make before a release, so bad input is refused the same way.
public enum StatisticsRelease {
    /// Refuses rows of another day and rows with the marker's empty category or key.
    public static func check(day: Int64, rows: [PublishedStatistic]) throws {
        if let stray = rows.first(where: { $0.day != day }) {
            throw StewardError.badRequest("A release of day \(day) cannot hold a row of day \(stray.day) (\(stray.category) \(stray.key))")
        }
        if rows.contains(where: { $0.category.isEmpty || $0.key.isEmpty }) {
            throw StewardError.badRequest("A published statistic needs a category and a key; the empty ones mark a released day")
        }
    }
}
