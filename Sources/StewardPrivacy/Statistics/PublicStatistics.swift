import StewardCore
import StewardStore

/// The figures of one (category, key, day) before suppression: the sum over the device profiles whose mapping puts
/// the key in the category. Profiles never share a device, so their distinct-device counts add up.
public struct StatisticsGroup: Sendable, Equatable {
    public var category: String
    public var key: String
    /// Days since 1970-01-01 (UTC).
    public var day: Int64
    public var devices: Int
    public var readings: Int
    public var total: Double

    public init(category: String, key: String, day: Int64, devices: Int, readings: Int, total: Double) {
        self.category = category
        self.key = key
        self.day = day
        self.devices = devices
        self.readings = readings
        self.total = total
    }
}

/// Suppression and shaping of the public statistics (promise HA-7), as pure functions so that what can appear is
/// decided in one place, testable without a database: a group of fewer distinct devices than the minimum keeps no
/// figure, and only groups with figures are ever shown.
public enum PublicStatistics {
    /// The smallest minimum applied whatever the caller passes: a group of one device is a single person's readings.
    public static let floor = 2

    /// The rows to release for `groups`: groups of the same (category, key, day) are merged first; a group with at
    /// least `minimumGroupSize` distinct devices (never fewer than `floor`) gets its devices, readings, total and
    /// average; a smaller one gets no figures, so it stays suppressed for good. Sorted by day, category, key.
    public static func publish(groups: [StatisticsGroup], minimumGroupSize: Int, time: Int64 = 0) -> [PublishedStatistic] {
        let minimum = max(minimumGroupSize, floor)
        var merged: [GroupID: StatisticsGroup] = [:]
        for group in groups where group.readings > 0 && group.devices > 0 {
            let id = GroupID(category: group.category, key: group.key, day: group.day)
            if var known = merged[id] {
                known.devices += group.devices
                known.readings += group.readings
                known.total += group.total
                merged[id] = known
            } else {
                merged[id] = group
            }
        }
        return merged.values.sorted { ($0.day, $0.category, $0.key) < ($1.day, $1.category, $1.key) }.map { group in
            let figures =
                group.devices >= minimum
                ? PublishedStatistic.Figures(
                    devices: group.devices, readings: group.readings, total: group.total,
                    average: group.total / Double(group.readings))
                : nil
            return PublishedStatistic(category: group.category, key: group.key, day: group.day, figures: figures, publishedTime: time)
        }
    }

    /// The rows a visitor may see: only those with figures, whatever the caller passes in.
    public static func visible(_ rows: [PublishedStatistic]) -> [PublishedStatistic] {
        rows.filter { $0.figures != nil && !$0.category.isEmpty && !$0.key.isEmpty }
    }

    /// `/stats.json`: what is published (categories with their names, the minimum group size) and the visible rows,
    /// newest day first, with the day as `YYYY-MM-DD`.
    public static func json(_ rows: [PublishedStatistic], declaration: PrivacyDeclaration) -> JSONValue {
        let statistics = declaration.statistics
        let categories: [JSONValue] = (statistics?.categories ?? []).map { key in
            .object([
                JSONMember("category", .string(key)), JSONMember("name", .string(declaration.category(key)?.name ?? key)),
                JSONMember("per", .string(StatisticsDeclaration.day)),
            ])
        }
        let shown = visible(rows).sorted { ($1.day, $0.category, $0.key) < ($0.day, $1.category, $1.key) }
        return .object([
            JSONMember("minimumGroupSize", statistics.map { .number(String($0.minimumGroupSize)) } ?? .null),
            JSONMember("published", .array(categories)),
            JSONMember(
                "statistics",
                .array(
                    shown.compactMap { row in
                        guard let f = row.figures else { return nil }
                        return .object([
                            JSONMember("day", .string(dayString(row.day))), JSONMember("category", .string(row.category)),
                            JSONMember("key", .string(row.key)), JSONMember("devices", .number(String(f.devices))),
                            JSONMember("readings", .number(String(f.readings))), JSONMember("total", number(f.total)),
                            JSONMember("average", number(f.average)),
                        ])
                    })),
        ])
    }

    /// `YYYY-MM-DD` of a day number (days since 1970-01-01, UTC).
    public static func dayString(_ day: Int64) -> String {
        String(UTCTime.format(day * 86_400_000).prefix(10))
    }

    /// A finite number as JSON; rounding keeps sums of doubles from printing float noise.
    static func number(_ value: Double) -> JSONValue {
        guard value.isFinite else { return .null }
        let rounded = (value * 1_000_000).rounded() / 1_000_000
        if rounded == rounded.rounded(), abs(rounded) < 1e15 { return .number(String(Int64(rounded))) }
        return .number(String(rounded))
    }

    private struct GroupID: Hashable {
        var category: String
        var key: String
        var day: Int64
    }
}
