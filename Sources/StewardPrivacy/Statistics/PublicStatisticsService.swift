import StewardCore
import StewardStore

/// Publishes the declaration's public statistics (promise HA-7): each complete UTC day not yet released is
/// released once, as a frozen set of rows where a group below the minimum keeps no figures. The server runs it at
/// start and hourly (job `public-statistics`); `steward statistics publish` runs it now.
///
/// A release is never revised: a late reading cannot make a suppressed group appear, and two releases of the same
/// day cannot be differenced to single out the readings that arrived in between.
public struct PublicStatisticsService: Sendable {
    /// How far back the first run reaches when nothing was released yet: older days are not published at all.
    public static let maximumDaysBack: Int64 = 400
    static let dayMillis: Int64 = 86_400_000

    let store: any StatisticsStore
    let declaration: PrivacyDeclaration

    public init(store: any StatisticsStore, declaration: PrivacyDeclaration) {
        self.store = store
        self.declaration = declaration
    }

    /// What one run released.
    public struct Run: Sendable, Equatable {
        /// The days released by this run (days since 1970-01-01), oldest first.
        public var days: [Int64]
        /// Groups released with figures.
        public var published: Int
        /// Groups released without figures because they were too small.
        public var suppressed: Int
    }

    /// Releases every complete UTC day before `now` (ms) that is not yet released, oldest first; starts after the
    /// latest released day, else at the day of the oldest reading of a published key, but never more than
    /// `maximumDaysBack` days ago. Without a `statistics` section it does nothing.
    public func publish(now: Int64) async throws -> Run {
        var run = Run(days: [], published: 0, suppressed: 0)
        guard let statistics = declaration.statistics, !statistics.publish.isEmpty else { return run }
        let today = Self.day(of: now)
        let lastComplete = today - 1
        let keys = candidateKeys(try await store.telemetryKeyNames(), statistics)
        let first: Int64
        if let last = try await store.lastReleasedDay() {
            first = last + 1
        } else if !keys.isEmpty, let oldest = try await store.oldestReading(keys: keys) {
            first = Self.day(of: oldest)
        } else {
            return run
        }
        let published = Set(statistics.categories)
        var day = max(first, today - Self.maximumDaysBack)
        while day <= lastComplete {
            try Task.checkCancellation()
            let groups = keys.isEmpty ? [] : try await store.dailyGroups(keys: keys, day: day)
            let rows = PublicStatistics.publish(
                groups: groups.compactMap { group in
                    let category = declaration.telemetry.categoryKey(forKey: group.key, profile: group.profile)
                    guard published.contains(category), !isSensitive(category) else { return nil }
                    return StatisticsGroup(
                        category: category, key: group.key, day: day, devices: group.devices, readings: group.readings,
                        total: group.total)
                }, minimumGroupSize: statistics.minimumGroupSize, time: now)
            if try await store.release(day: day, rows: rows, time: now) {
                run.days.append(day)
                run.published += rows.filter { $0.figures != nil }.count
                run.suppressed += rows.filter { $0.figures == nil }.count
            }
            day += 1
        }
        return run
    }

    /// The published rows of the last `days` days before `now`, newest first; suppressed groups never appear.
    public func published(now: Int64, days: Int64 = PublicStatisticsService.maximumDaysBack) async throws -> [PublishedStatistic] {
        PublicStatistics.visible(try await store.publishedStatistics(fromDay: Self.day(of: now) - days))
    }

    /// The UTC day (days since 1970-01-01) of a time in ms.
    public static func day(of millis: Int64) -> Int64 {
        millis >= 0 ? millis / dayMillis : (millis - dayMillis + 1) / dayMillis
    }

    /// The key names that some device profile (or no profile) maps to a published category.
    func candidateKeys(_ names: [String], _ statistics: StatisticsDeclaration) -> [String] {
        let published = Set(statistics.categories)
        let profiles: [String?] = [nil] + declaration.telemetry.profiles.map(\.profile)
        return names.filter { name in
            profiles.contains { published.contains(declaration.telemetry.categoryKey(forKey: name, profile: $0)) }
        }.sorted()
    }

    /// A sensitive category (or one under a sensitive parent) is never published, even if a declaration built in code
    /// skipped validation.
    func isSensitive(_ category: String) -> Bool {
        declaration.categories.contains { $0.sensitive && TaxonomyKey.isAncestor($0.key, of: category) }
    }
}
