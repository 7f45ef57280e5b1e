import Foundation
import StewardCore
import StewardPrivacy
import StewardStore
import Testing

/// The publication run: every complete UTC day not yet released, once; keys by the declaration's mapping with
/// device profiles; sensitive categories and today never.
@Suite struct PublicStatisticsServiceTests {
    /// Readings as (profile, key, day) → figures; releases kept as the store would keep them.
    actor FakeStore: StatisticsStore {
        var readings: [DailyReadingGroup] = []
        var released: [Int64: [PublishedStatistic]] = [:]
        var asked: [(keys: [String], day: Int64)] = []

        func add(_ group: DailyReadingGroup) { readings.append(group) }

        func telemetryKeyNames() async throws -> [String] { Array(Set(readings.map(\.key))).sorted() }
        func oldestReading(keys: [String]) async throws -> Int64? {
            readings.filter { keys.contains($0.key) }.map { $0.day * 86_400_000 + 5 }.min()
        }
        func dailyGroups(keys: [String], day: Int64) async throws -> [DailyReadingGroup] {
            asked.append((keys, day))
            return readings.filter { keys.contains($0.key) && $0.day == day }
        }
        func lastReleasedDay() async throws -> Int64? { released.keys.max() }
        func release(day: Int64, rows: [PublishedStatistic], time: Int64) async throws -> Bool {
            guard released[day] == nil else { return false }
            released[day] = rows
            return true
        }
        func publishedStatistics(fromDay: Int64) async throws -> [PublishedStatistic] {
            released.filter { $0.key >= fromDay }.flatMap(\.value).filter { $0.figures != nil }
        }
    }

    static let declaration: PrivacyDeclaration = {
        var d = PrivacyDeclaration.bundledDefault
        d.statistics = StatisticsDeclaration(minimumGroupSize: 10, publish: [.init(category: "user.sensor.energy")])
        return d
    }()

    static let today: Int64 = 20_010
    static let now = today * 86_400_000 + 3_600_000

    // promise: HA-7
    @Test func eachCompleteDayIsReleasedOnceAndSmallGroupsStayHidden() async throws {
        let store = FakeStore()
        // Day 20_007: powerW from 7 plain devices and 4 of profile "meter" (11 together); energyKWh from one device.
        await store.add(DailyReadingGroup(profile: nil, key: "powerW", day: 20_007, devices: 7, readings: 70, total: 700))
        await store.add(DailyReadingGroup(profile: "meter", key: "powerW", day: 20_007, devices: 4, readings: 40, total: 100))
        await store.add(DailyReadingGroup(profile: nil, key: "energyKWh", day: 20_007, devices: 1, readings: 24, total: 12))
        // Not energy: the default category, and a wearable's heart-like key; today's readings wait for tomorrow.
        await store.add(DailyReadingGroup(profile: nil, key: "temperature", day: 20_008, devices: 50, readings: 50, total: 50))
        await store.add(DailyReadingGroup(profile: nil, key: "powerW", day: Self.today, devices: 30, readings: 30, total: 30))
        let service = PublicStatisticsService(store: store, declaration: Self.declaration)

        let run = try await service.publish(now: Self.now)
        #expect(run.days == [20_007, 20_008, 20_009])
        #expect(run.published == 1 && run.suppressed == 1)
        #expect(await store.asked.allSatisfy { $0.keys == ["energyKWh", "powerW"] })
        let shown = try await service.published(now: Self.now)
        #expect(
            shown == [
                PublishedStatistic(
                    category: "user.sensor.energy", key: "powerW", day: 20_007,
                    figures: .init(devices: 11, readings: 110, total: 800, average: 800.0 / 110), publishedTime: Self.now)
            ])
        #expect(await store.released[20_007]?.first { $0.key == "energyKWh" }?.figures == nil)

        // Later readings of a released day change nothing; the next run only takes the day that has ended since.
        await store.add(DailyReadingGroup(profile: nil, key: "energyKWh", day: 20_007, devices: 40, readings: 40, total: 40))
        #expect(try await service.publish(now: Self.now + 3_600_000).days.isEmpty)
        let next = try await service.publish(now: Self.now + 86_400_000)
        #expect(next.days == [Self.today] && next.published == 1)
        #expect(try await service.published(now: Self.now).contains { $0.key == "energyKWh" } == false)
    }

    @Test func theFirstRunReachesBackAtMostTheLimitAndWithoutDataDoesNothing() async throws {
        let store = FakeStore()
        let service = PublicStatisticsService(store: store, declaration: Self.declaration)
        #expect(try await service.publish(now: Self.now).days.isEmpty)
        #expect(await store.released.isEmpty)

        await store.add(DailyReadingGroup(profile: nil, key: "kwh", day: 1, devices: 12, readings: 12, total: 12))
        let run = try await service.publish(now: Self.now)
        #expect(run.days.first == Self.today - PublicStatisticsService.maximumDaysBack)
        #expect(run.days.last == Self.today - 1 && run.days.count == Int(PublicStatisticsService.maximumDaysBack))
    }

    @Test func withoutAStatisticsSectionNothingIsReleased() async throws {
        let store = FakeStore()
        await store.add(DailyReadingGroup(profile: nil, key: "powerW", day: 20_007, devices: 12, readings: 12, total: 12))
        var declaration = Self.declaration
        declaration.statistics = nil
        #expect(try await PublicStatisticsService(store: store, declaration: declaration).publish(now: Self.now).days.isEmpty)
        #expect(await store.released.isEmpty)
    }

    /// A profile whose rules put an energy-named key in a sensitive category keeps those devices out of the group.
    @Test func aProfileMappingToASensitiveCategoryIsLeftOut() async throws {
        var declaration = Self.declaration
        declaration.telemetry.profiles.append(
            TelemetryMapping.Profile(profile: "implant", rules: [.init(pattern: "power*", category: "user.health_and_medical")]))
        let store = FakeStore()
        await store.add(DailyReadingGroup(profile: nil, key: "powerW", day: 20_009, devices: 10, readings: 10, total: 10))
        await store.add(DailyReadingGroup(profile: "implant", key: "powerW", day: 20_009, devices: 5, readings: 5, total: 1_000))
        let run = try await PublicStatisticsService(store: store, declaration: declaration).publish(now: Self.now)
        #expect(run.days == [20_009])
        let rows = try await PublicStatisticsService(store: store, declaration: declaration).published(now: Self.now)
        #expect(rows.map(\.figures) == [.init(devices: 10, readings: 10, total: 10, average: 1)])
    }
}
