import Foundation
import Hummingbird
import StewardCore
import StewardPrivacy
import StewardStore

/// The public statistics (promise HA-7): `/stats` for people, `/stats.json` for machines. Both show only groups
/// that were released with figures; a group below the declared minimum never appears, not even its key.
extension Console {
    /// How many days the page lists; the JSON has every released day within the service's reach.
    static let statisticsPageDays: Int64 = 31

    func registerStatisticsPages(on router: Router<StewardRequestContext>) {
        router.get("stats") { request, _ in
            let rows = try await statistics?.published(now: WallClock.nowMillis(), days: Self.statisticsPageDays) ?? []
            let data = StatisticsPage.data(rows, declaration: privacy)
            if let viewer = try await viewer(request) { return page(viewer, "stats", title: "Public statistics", data) }
            return publicPage(request, "stats", title: "Public statistics", data)
        }
        router.get("stats.json") { _, _ in
            let rows = try await statistics?.published(now: WallClock.nowMillis()) ?? []
            return Self.text(PublicStatistics.json(rows, declaration: privacy).serialized, type: "application/json")
        }
    }
}

/// What the `stats` template shows: the published categories, the minimum group size and one table per day.
enum StatisticsPage {
    static func data(_ rows: [PublishedStatistic], declaration: PrivacyDeclaration) -> [String: Any] {
        let statistics = declaration.statistics
        let days = Dictionary(grouping: PublicStatistics.visible(rows), by: \.day).sorted { $0.key > $1.key }
        return [
            "declared": statistics != nil && !(statistics?.publish.isEmpty ?? true),
            "minimum": statistics?.minimumGroupSize ?? StatisticsDeclaration.defaultMinimumGroupSize,
            "categories": (statistics?.categories ?? []).map { declaration.category($0)?.name ?? $0 }.joined(separator: ", "),
            "hasDays": !days.isEmpty,
            "days": days.map { day, rows in
                [
                    "date": PublicStatistics.dayString(day), "title": longDate(day),
                    "rows": rows.sorted { ($0.category, $0.key) < ($1.category, $1.key) }.compactMap { row -> [String: Any]? in
                        guard let f = row.figures else { return nil }
                        return [
                            "category": declaration.category(row.category)?.name ?? row.category, "key": row.key,
                            "devices": format(Double(f.devices)), "readings": format(Double(f.readings)),
                            "total": format(f.total), "average": format(f.average),
                        ]
                    },
                ] as [String: Any]
            },
        ]
    }

    /// `Sunday, 6 December 2026`.
    static func longDate(_ day: Int64) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_GB")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEEE, d MMMM yyyy"
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(day * 86_400)))
    }

    /// `12,345.67`: thousands grouped, at most two decimals.
    static func format(_ value: Double) -> String {
        let formatter = NumberFormatter()
        formatter.locale = Locale(identifier: "en_US")
        formatter.numberStyle = .decimal
        formatter.maximumFractionDigits = 2
        formatter.minimumFractionDigits = 0
        return formatter.string(from: NSNumber(value: value)) ?? String(value)
    }
}
