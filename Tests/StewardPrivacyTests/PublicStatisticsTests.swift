import Foundation
import StewardCore
import StewardPrivacy
import StewardStore
import Testing

/// Suppression and shaping of the public statistics (promise HA-7): small groups keep no figures and never appear.
@Suite struct PublicStatisticsTests {
    static func group(_ key: String, devices: Int, readings: Int = 10, total: Double = 100, day: Int64 = 20_000) -> StatisticsGroup {
        StatisticsGroup(category: "user.sensor.energy", key: key, day: day, devices: devices, readings: readings, total: total)
    }

    static let declaration: PrivacyDeclaration = {
        var d = PrivacyDeclaration.bundledDefault
        d.statistics = StatisticsDeclaration(minimumGroupSize: 10, publish: [.init(category: "user.sensor.energy")])
        return d
    }()

    // promise: HA-7
    @Test func aGroupOfOneNeverAppears() throws {
        let rows = PublicStatistics.publish(
            groups: [Self.group("powerSolo", devices: 1, readings: 24, total: 4_321.5), Self.group("powerW", devices: 10)],
            minimumGroupSize: 10, time: 7)
        let solo = try #require(rows.first { $0.key == "powerSolo" })
        #expect(solo.figures == nil)
        #expect(solo.publishedTime == 7)
        #expect(PublicStatistics.visible(rows).map(\.key) == ["powerW"])
        let json = PublicStatistics.json(rows, declaration: Self.declaration).serialized
        #expect(!json.contains("powerSolo"))
        #expect(!json.contains("4321.5") && !json.contains("\"devices\":1,"))
        #expect(json.contains("\"key\":\"powerW\"") && json.contains("\"devices\":10"))

        // Not even a declaration built in code, skipping validation, can publish a single device.
        for minimum in [1, 0, -5] {
            let lone = PublicStatistics.publish(groups: [Self.group("powerSolo", devices: 1)], minimumGroupSize: minimum)
            #expect(lone.count == 1 && lone[0].figures == nil, "minimum \(minimum)")
            #expect(PublicStatistics.visible(lone).isEmpty)
        }
    }

    @Test func theMinimumIsInclusiveAndFiguresAreAggregatesOnly() throws {
        let rows = PublicStatistics.publish(
            groups: [Self.group("nine", devices: 9), Self.group("ten", devices: 10, readings: 40, total: 50)], minimumGroupSize: 10)
        #expect(rows.map(\.key) == ["nine", "ten"])
        #expect(rows[0].figures == nil)
        #expect(rows[1].figures == .init(devices: 10, readings: 40, total: 50, average: 1.25))
    }

    /// The same key in the same category from two device profiles is one group: profiles never share a device.
    @Test func groupsOfSeveralProfilesAreMergedBeforeTheyAreJudged() throws {
        let rows = PublicStatistics.publish(
            groups: [
                Self.group("powerW", devices: 6, readings: 6, total: 60), Self.group("powerW", devices: 5, readings: 10, total: 40),
                Self.group("powerW", devices: 3, day: 20_001), Self.group("kwh", devices: 0, readings: 0, total: 0),
            ], minimumGroupSize: 10)
        #expect(rows.count == 2)
        #expect(rows[0].day == 20_000 && rows[0].figures == .init(devices: 11, readings: 16, total: 100, average: 6.25))
        #expect(rows[1].day == 20_001 && rows[1].figures == nil)
    }

    @Test func theJSONNamesWhatIsPublishedAndShowsNewestDaysFirst() throws {
        let rows = PublicStatistics.publish(
            groups: [Self.group("powerW", devices: 12, day: 20_000), Self.group("powerW", devices: 12, day: 20_001)], minimumGroupSize: 10)
        let json = PublicStatistics.json(rows, declaration: Self.declaration).serialized
        #expect(json.hasPrefix("{\"minimumGroupSize\":10,\"published\":[{\"category\":\"user.sensor.energy\",\"name\":\"Energy use\",\"per\":\"day\"}]"))
        let newer = try #require(json.range(of: "\"day\":\"2024-10-05\""))
        let older = try #require(json.range(of: "\"day\":\"2024-10-04\""))
        #expect(newer.lowerBound < older.lowerBound)
        #expect(PublicStatistics.dayString(0) == "1970-01-01")
    }
}
