import Foundation
import StewardCore
import StewardStore
import Testing

/// The contract of `StatisticsStore`: daily groups count distinct devices across tenants, per device profile, over
/// plain numeric readings of one UTC day only; a released day is frozen and its suppressed groups never come back.
extension StoreContract {
    static let statisticsDay: Int64 = 20_000
    static var statisticsDayStart: Int64 { statisticsDay * 86_400_000 }

    /// A group is (key, device profile) on one UTC day over every tenant: distinct devices, the count and the sum of
    /// the long and double readings; readings of the day before and after, text and flags, and keys not asked for stay
    /// out. The oldest reading of the keys asked for is found; unknown keys are skipped.
    // promise: HA-7
    public static func dailyGroupsCountDistinctDevicesPerProfileAcrossTenants(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let acme = Tenant(name: "Acme", createdTime: 1)
            let globex = Tenant(name: "Globex", createdTime: 1)
            try await s.accounts.createTenant(acme)
            try await s.accounts.createTenant(globex)
            let meter = DeviceProfile(tenantID: acme.id, name: "meter", createdTime: 1)
            try await s.devices.createProfile(meter)
            let a1 = Device(tenantID: acme.id, name: "a1", accessToken: "stats-a1", createdTime: 1)
            let a2 = Device(tenantID: acme.id, name: "a2", accessToken: "stats-a2", createdTime: 1)
            let g1 = Device(tenantID: globex.id, name: "g1", accessToken: "stats-g1", createdTime: 1)
            let m1 = Device(tenantID: acme.id, profileID: meter.id, name: "m1", accessToken: "stats-m1", createdTime: 1)
            for device in [a1, a2, g1, m1] { try await s.devices.createDevice(device) }
            let start = statisticsDayStart
            try await write(s, a1.id, "powerW", [(start + 1_000, .long(100)), (start + 2_000, .double(50.5)), (start + 3_000, .string("n/a"))])
            try await write(s, a1.id, "powerW", [(start + 4_000, .bool(true))])
            try await write(s, a1.id, "temp", [(start + 10, .long(21))])
            try await write(s, a2.id, "powerW", [(start + 5_000, .long(10)), (start - 1, .long(999))])
            try await write(s, g1.id, "powerW", [(start + 86_399_999, .long(1)), (start + 86_400_000, .long(1_000))])
            try await write(s, m1.id, "powerW", [(start + 10, .long(7))])

            let groups = try await s.statistics.dailyGroups(keys: ["powerW", "neverSent"], day: statisticsDay)
            #expect(
                Set(groups) == [
                    DailyReadingGroup(profile: nil, key: "powerW", day: statisticsDay, devices: 3, readings: 4, total: 161.5),
                    DailyReadingGroup(profile: "meter", key: "powerW", day: statisticsDay, devices: 1, readings: 1, total: 7),
                ])
            #expect(groups.count == 2)
            #expect(
                try await s.statistics.dailyGroups(keys: ["powerW"], day: statisticsDay + 1)
                    == [DailyReadingGroup(profile: nil, key: "powerW", day: statisticsDay + 1, devices: 1, readings: 1, total: 1_000)])
            #expect(try await s.statistics.dailyGroups(keys: ["temp"], day: statisticsDay + 1).isEmpty)
            #expect(try await s.statistics.dailyGroups(keys: [], day: statisticsDay).isEmpty)

            let names = try await s.statistics.telemetryKeyNames()
            #expect(Set(names).isSuperset(of: ["powerW", "temp"]))
            #expect(try await s.statistics.oldestReading(keys: ["powerW"]) == start - 1)
            #expect(try await s.statistics.oldestReading(keys: ["temp", "neverSent"]) == start + 10)
            #expect(try await s.statistics.oldestReading(keys: ["neverSent"]) == nil)
        }
    }

    /// A day is released once: its rows go in together, a suppressed group (no figures) is kept but never read back,
    /// a second release of the same day changes nothing, and a day without groups counts as released too. Rows of
    /// another day and rows without a category or key are refused.
    // promise: HA-7
    public static func releasedDaysAreFrozen(_ backend: StoreBackend) async throws {
        try await backend.run { (s: StoresUnderTest) async throws in
            let day = statisticsDay
            #expect(try await s.statistics.lastReleasedDay() == nil)
            #expect(try await s.statistics.publishedStatistics(fromDay: 0).isEmpty)

            let shown = PublishedStatistic(
                category: "user.sensor.energy", key: "powerW", day: day,
                figures: .init(devices: 12, readings: 40, total: 100, average: 2.5), publishedTime: 5)
            let hidden = PublishedStatistic(category: "user.sensor.energy", key: "kwh", day: day, figures: nil, publishedTime: 5)
            #expect(try await s.statistics.release(day: day, rows: [shown, hidden], time: 5))
            #expect(try await s.statistics.lastReleasedDay() == day)
            #expect(try await s.statistics.publishedStatistics(fromDay: 0) == [shown])

            // The same day again, with other figures and the small group grown: nothing changes.
            var changed = shown
            changed.figures = .init(devices: 20, readings: 80, total: 1, average: 0.0125)
            var grown = hidden
            grown.figures = .init(devices: 30, readings: 30, total: 30, average: 1)
            #expect(try await s.statistics.release(day: day, rows: [changed, grown], time: 9) == false)
            #expect(try await s.statistics.publishedStatistics(fromDay: 0) == [shown])

            // An empty day is released (so it is not recomputed), an earlier one does not move the latest.
            #expect(try await s.statistics.release(day: day - 1, rows: [], time: 9))
            #expect(try await s.statistics.release(day: day - 1, rows: [], time: 10) == false)
            #expect(try await s.statistics.lastReleasedDay() == day)

            let next = [
                PublishedStatistic(
                    category: "user.sensor.energy", key: "energyKWh", day: day + 1,
                    figures: .init(devices: 10, readings: 10, total: 5, average: 0.5), publishedTime: 11),
                PublishedStatistic(
                    category: "user.sensor.energy", key: "apower", day: day + 1,
                    figures: .init(devices: 11, readings: 22, total: 33, average: 1.5), publishedTime: 11),
            ]
            #expect(try await s.statistics.release(day: day + 1, rows: next, time: 11))
            #expect(try await s.statistics.publishedStatistics(fromDay: 0) == [next[1], next[0], shown])
            #expect(try await s.statistics.publishedStatistics(fromDay: day + 1) == [next[1], next[0]])

            await expectStewardError(.badRequest) { _ = try await s.statistics.release(day: day + 2, rows: [shown], time: 12) }
            var unnamed = shown
            unnamed.day = day + 2
            unnamed.key = ""
            await expectStewardError(.badRequest) { _ = try await s.statistics.release(day: day + 2, rows: [unnamed], time: 12) }
            #expect(try await s.statistics.lastReleasedDay() == day + 1)
        }
    }

    /// Readings stored sealed (a sensitive key of a device assigned to a person, t >= 100) never count: not as a
    /// device, a reading or a sum, with the person's key present or not.
    // promise: HA-7
    public static func sealedReadingsNeverReachTheStatistics(_ backend: SealingStoreBackend) async throws {
        try await backend.run { s, _ in
            let f = try await erasureFixture(s)
            try await s.personalData.assignDevice(tenant: f.tenant.id, device: f.worn.id, to: f.person.id)
            let start = statisticsDayStart
            try await s.writer.write(
                TelemetryBatch(
                    device: f.worn.id,
                    entries: [
                        TimedValues(ts: start + 10, values: [KeyValue("powerW", .long(60))]),
                        TimedValues(ts: start + 20, values: [KeyValue("powerW", .double(62.5))]),
                    ],
                    sensitiveKeys: ["powerW"]))
            try await write(s, f.other.id, "powerW", [(start + 30, .long(5))])
            #expect(
                try await s.statistics.dailyGroups(keys: ["powerW"], day: statisticsDay)
                    == [DailyReadingGroup(profile: nil, key: "powerW", day: statisticsDay, devices: 1, readings: 1, total: 5)])
        }
    }
}
