import StewardPrivacy
import StewardStore
import Testing

@testable import StewardWeb

/// What the `/stats` template is given: readable dates and numbers, newest day first, and never a suppressed group.
@Suite struct StatisticsPageTests {
    static let declaration: PrivacyDeclaration = {
        var d = PrivacyDeclaration.bundledDefault
        d.statistics = StatisticsDeclaration(minimumGroupSize: 12, publish: [.init(category: "user.sensor.energy")])
        return d
    }()

    static func row(_ key: String, day: Int64, _ figures: PublishedStatistic.Figures?) -> PublishedStatistic {
        PublishedStatistic(category: "user.sensor.energy", key: key, day: day, figures: figures, publishedTime: 1)
    }

    // promise: HA-7
    @Test func daysAreNewestFirstAndSuppressedGroupsAreLeftOut() throws {
        let data = StatisticsPage.data(
            [
                Self.row("powerW", day: 20_000, .init(devices: 12, readings: 1_234_567, total: 98_765.4321, average: 0.08)),
                Self.row("powerSolo", day: 20_001, nil),
                Self.row("kwh", day: 20_001, .init(devices: 15, readings: 15, total: 15, average: 1)),
            ], declaration: Self.declaration)
        #expect(data["minimum"] as? Int == 12)
        #expect(data["categories"] as? String == "Energy use")
        #expect(data["hasDays"] as? Bool == true)
        let days = try #require(data["days"] as? [[String: Any]])
        #expect(days.map { $0["date"] as? String } == ["2024-10-05", "2024-10-04"])
        #expect(days.map { $0["title"] as? String } == ["Saturday, 5 October 2024", "Friday, 4 October 2024"])
        let newest = try #require(days[0]["rows"] as? [[String: Any]])
        #expect(newest.map { $0["key"] as? String } == ["kwh"])
        let older = try #require(days[1]["rows"] as? [[String: Any]])
        #expect(older.first?["readings"] as? String == "1,234,567")
        #expect(older.first?["total"] as? String == "98,765.43")
        #expect(older.first?["average"] as? String == "0.08")
        #expect(older.first?["category"] as? String == "Energy use")
    }

    @Test func nothingPublishedGivesTheEmptyState() {
        let data = StatisticsPage.data([Self.row("powerSolo", day: 20_001, nil)], declaration: Self.declaration)
        #expect(data["hasDays"] as? Bool == false)
        #expect(data["declared"] as? Bool == true)
        var undeclared = Self.declaration
        undeclared.statistics = nil
        #expect(StatisticsPage.data([], declaration: undeclared)["declared"] as? Bool == false)
    }
}
