import Foundation
import StewardCore
import StewardStore
import Testing

extension StoreContract {
    // MARK: - TelemetryStore (readings in through TelemetryWriter)

    /// The latest value of a key is the reading with the newest timestamp, not the last one written: across writes,
    /// within one batch and across the batches of one group. A newer reading replaces it, even of another type; the
    /// same timestamp overwrites.
    public static func latestIsTheNewestReading(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let f = try await fixture(s)
            func latest(_ keys: [String]? = nil) async throws -> [String: TimeSeriesPoint] {
                try await s.telemetry.latest(tenant: f.tenant.id, device: f.device.id, keys: keys)
            }
            try await write(s, f.device.id, "t", [(200, .long(2))])
            try await write(s, f.device.id, "t", [(100, .long(1))])  // late, older reading
            #expect(try await latest() == ["t": TimeSeriesPoint(ts: 200, value: .long(2))])
            #expect(try await history(s, f, ["t"], 0, 1_000, ascending: true)["t"] == points([(100, .long(1)), (200, .long(2))]))

            try await write(s, f.device.id, "u", [(300, .long(3)), (100, .long(1)), (200, .long(2))])
            #expect(try await latest(["u"])["u"] == TimeSeriesPoint(ts: 300, value: .long(3)))

            try await s.telemetry.append([
                TelemetryBatch(device: f.device.id, entries: [TimedValues(ts: 500, values: [KeyValue("g", .long(5))])]),
                TelemetryBatch(device: f.device.id, entries: [TimedValues(ts: 400, values: [KeyValue("g", .long(4))])]),
            ])
            #expect(try await latest()["g"] == TimeSeriesPoint(ts: 500, value: .long(5)))

            try await write(s, f.device.id, "t", [(250, .string("offline"))])
            #expect(try await latest(["t"])["t"] == TimeSeriesPoint(ts: 250, value: .string("offline")))

            try await write(s, f.device.id, "t", [(250, .double(1.5))])
            #expect(try await latest(["t"])["t"] == TimeSeriesPoint(ts: 250, value: .double(1.5)))
            #expect(try await history(s, f, ["t"], 250, 251)["t"] == points([(250, .double(1.5))]))
        }
    }

    public static func latestFiltersKeysAndListsTimeSeriesKeys(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let f = try await fixture(s)
            #expect(try await s.telemetry.latest(tenant: f.tenant.id, device: f.device.id, keys: nil) == [:])
            #expect(try await s.telemetry.timeSeriesKeys(tenant: f.tenant.id, device: f.device.id) == [])
            try await s.writer.write(
                TelemetryBatch(
                    device: f.device.id,
                    entries: [TimedValues(ts: 10, values: [KeyValue("a", .long(1)), KeyValue("b", .bool(true)), KeyValue("c", .string("x"))])]))
            let some = try await s.telemetry.latest(tenant: f.tenant.id, device: f.device.id, keys: ["a", "c", "missing"])
            #expect(some == ["a": TimeSeriesPoint(ts: 10, value: .long(1)), "c": TimeSeriesPoint(ts: 10, value: .string("x"))])
            #expect(try await s.telemetry.latest(tenant: f.tenant.id, device: f.device.id, keys: []) == [:])
            #expect(try await s.telemetry.latest(tenant: f.tenant.id, device: f.device.id, keys: nil).count == 3)
            #expect(try await s.telemetry.timeSeriesKeys(tenant: f.tenant.id, device: f.device.id) == ["a", "b", "c"])
        }
    }

    public static func devicesDoNotSeeEachOthersReadings(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let f = try await fixture(s)
            let other = Device(tenantID: f.tenant.id, name: "other", accessToken: "other-token", createdTime: 1)
            try await s.devices.createDevice(other)
            try await write(s, f.device.id, "t", [(1, .long(1))])
            try await write(s, other.id, "u", [(2, .long(2))])
            #expect(try await s.telemetry.timeSeriesKeys(tenant: f.tenant.id, device: f.device.id) == ["t"])
            #expect(try await s.telemetry.timeSeriesKeys(tenant: f.tenant.id, device: other.id) == ["u"])
            #expect(try await s.telemetry.latest(tenant: f.tenant.id, device: other.id, keys: ["t"]) == [:])
            #expect(try await history(s, f, ["u"], 0, 10) == [:])
        }
    }

    /// `append` commits a group in one transaction: a batch for an unknown device refuses the whole group (not found),
    /// and the good batch can be appended again on its own. The writer fails just that submitter.
    public static func appendIsAllOrNothing(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let f = try await fixture(s)
            try await write(s, f.device.id, "known", [(1, .long(1))])
            let good = TelemetryBatch(
                device: f.device.id, entries: [TimedValues(ts: 5, values: [KeyValue("known", .long(2)), KeyValue("fresh", .long(42))])])
            await expectStewardError(.notFound) {
                try await s.telemetry.append([
                    good, TelemetryBatch(device: DeviceID(), entries: [TimedValues(ts: 2, values: [KeyValue("ghost", .long(1))])]),
                ])
            }
            #expect(try await history(s, f, ["known", "fresh"], 0, 10) == ["known": points([(1, .long(1))])])
            #expect(try await s.telemetry.timeSeriesKeys(tenant: f.tenant.id, device: f.device.id) == ["known"])

            try await s.telemetry.append([good])
            #expect(try await history(s, f, ["fresh"], 0, 10)["fresh"] == points([(5, .long(42))]))
            #expect(try await s.telemetry.timeSeriesKeys(tenant: f.tenant.id, device: f.device.id) == ["fresh", "known"])

            await expectStewardError(.notFound) {
                try await s.writer.write(
                    TelemetryBatch(device: DeviceID(), entries: [TimedValues(ts: 2, values: [KeyValue("ghost", .long(1))])]))
            }
            try await write(s, f.device.id, "later", [(6, .string("other"))])
            #expect(try await history(s, f, ["later"], 0, 10)["later"] == points([(6, .string("other"))]))
        }
    }

    /// Every kind of value comes back exactly as written, as telemetry (latest and history) and as an attribute.
    public static func valuesRoundTripExactly(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let f = try await fixture(s)
            for (n, value) in roundTripValues.enumerated() {
                let key = "k\(n)"
                try await write(s, f.device.id, key, [(42, value)])
                #expect(try await s.telemetry.latest(tenant: f.tenant.id, device: f.device.id, keys: [key])[key] == TimeSeriesPoint(ts: 42, value: value))
                #expect(try await history(s, f, [key], 0, 100)[key] == [TimeSeriesPoint(ts: 42, value: value)])
                try await s.attributes.saveAttributes(tenant: f.tenant.id, device: f.device.id, scope: .shared, values: [KeyValue(key, value)], ts: 9)
                let entries = try await s.attributes.attributes(tenant: f.tenant.id, device: f.device.id, scope: .shared, keys: [key])
                #expect(entries == [AttributeEntry(key: key, value: value, lastUpdateTs: 9)])
            }
            try await write(s, f.device.id, "mixed", [(1, .long(3)), (2, .double(3.0))])
            #expect(try await history(s, f, ["mixed"], 0, 10, ascending: true)["mixed"] == points([(1, .long(3)), (2, .double(3.0))]))
        }
    }

    /// Raw history: `[startTs, endTs)`, newest first unless ascending, `limit` points per key in the requested order,
    /// keys without points absent.
    public static func rawHistoryRangesOrderAndLimits(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let f = try await fixture(s)
            try await write(s, f.device.id, "v", (1...10).map { (Int64($0) * 100, KVValue.long(Int64($0))) })

            let range = try await history(s, f, ["v"], 200, 500)
            #expect(range["v"]?.map(\.ts) == [400, 300, 200])
            #expect(range["v"]?.map(\.value) == [.long(4), .long(3), .long(2)])
            #expect(try await history(s, f, ["v"], 200, 500, ascending: true)["v"]?.map(\.ts) == [200, 300, 400])

            #expect(try await history(s, f, ["v"], 0, 10_000, limit: 3)["v"]?.map(\.ts) == [1000, 900, 800])
            #expect(try await history(s, f, ["v"], 0, 10_000, limit: 3, ascending: true)["v"]?.map(\.ts) == [100, 200, 300])
            #expect(try await history(s, f, ["v"], 0, 10_000, limit: 100)["v"]?.count == 10)

            #expect(try await history(s, f, ["v"], 100, 101)["v"]?.map(\.ts) == [100])
            #expect(try await history(s, f, ["v"], 101, 200) == [:])
            #expect(try await history(s, f, ["v"], 1000, 1001)["v"]?.map(\.ts) == [1000])

            try await write(s, f.device.id, "w", [(5_000, .long(1))])
            let absent = try await history(s, f, ["v", "w", "never"], 0, 1_001)
            #expect(Set(absent.keys) == ["v"])
            #expect(absent["v"]?.count == 10)

            try await write(s, f.device.id, "w", [(100, .long(1)), (200, .long(2)), (300, .long(3))])
            let perKey = try await history(s, f, ["v", "w"], 0, 1_001, limit: 2)
            #expect(perKey["v"]?.map(\.ts) == [1000, 900])
            #expect(perKey["w"]?.map(\.ts) == [300, 200])
        }
    }

    /// A query out of range is refused as a bad request before anything is read.
    public static func historyRefusesAnInvalidQuery(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let f = try await fixture(s)
            await expectStewardError(.badRequest) { _ = try await history(s, f, ["v"], 500, 100) }
            await expectStewardError(.badRequest) { _ = try await history(s, f, ["v"], 0, 10, limit: 0) }
            await expectStewardError(.badRequest) { _ = try await history(s, f, ["v"], -1, 10) }
            await expectStewardError(.badRequest) { _ = try await history(s, f, ["v"], 0, 1_000_000, interval: 1, aggregation: .avg) }
        }
    }

    /// Aggregation buckets of `interval` from `startTs`, each stamped with its middle (the last one clamped at
    /// `endTs`); empty buckets omitted; COUNT counts every reading, SUM keeps longs long (mixed becomes double), AVG
    /// is a double, MIN/MAX keep the winning type; interval 0 is one bucket; booleans, JSON and strings only count.
    public static func aggregationBuckets(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let f = try await fixture(s)
            // Buckets of 20 ms over [0, 100): middles 10, 30, 50, 70, 90; [60,80) stays empty, [40,60) holds a string.
            try await write(
                s, f.device.id, "v",
                [
                    (1, .long(10)), (2, .long(20)), (30, .long(5)), (31, .double(2.5)), (55, .string("y")),
                    (81, .long(7)), (85, .string("x")), (100, .long(1_000)),
                ])
            func aggregate(_ aggregation: Aggregation, interval: Int64 = 20, end: Int64 = 100, ascending: Bool = true)
                async throws -> [TimeSeriesPoint]?
            {
                try await history(s, f, ["v"], 0, end, interval: interval, aggregation: aggregation, ascending: ascending)["v"]
            }
            #expect(try await aggregate(.count) == points([(10, .long(2)), (30, .long(2)), (50, .long(1)), (90, .long(2))]))
            #expect(try await aggregate(.sum) == points([(10, .long(30)), (30, .double(7.5)), (90, .long(7))]))
            #expect(try await aggregate(.avg) == points([(10, .double(15)), (30, .double(3.75)), (90, .double(7))]))
            #expect(try await aggregate(.min) == points([(10, .long(10)), (30, .double(2.5)), (90, .long(7))]))
            #expect(try await aggregate(.max) == points([(10, .long(20)), (30, .double(5)), (90, .long(7))]))
            #expect(try await aggregate(.count, ascending: false)?.map(\.ts) == [90, 50, 30, 10])
            #expect(try await aggregate(.count, interval: 40, end: 90) == points([(20, .long(4)), (60, .long(1)), (85, .long(2))]))
            #expect(try await aggregate(.count, interval: 0) == points([(50, .long(7))]))
            #expect(try await aggregate(.sum, interval: 0) == points([(50, .double(44.5))]))
            #expect(try await aggregate(.min, interval: 0) == points([(50, .double(2.5))]))
            #expect(try await aggregate(.max, interval: 0) == points([(50, .double(20))]))
            #expect(
                try await history(s, f, ["v"], 25, 100, interval: 25, aggregation: .count, ascending: true)["v"]
                    == points([(37, .long(2)), (62, .long(1)), (87, .long(2))]))

            try await write(s, f.device.id, "s", [(1, .bool(true)), (2, .json("{}")), (3, .string("5"))])
            #expect(try await history(s, f, ["s"], 0, 10, interval: 10, aggregation: .count)["s"] == points([(5, .long(3))]))
            for aggregation in [Aggregation.sum, .avg, .min, .max] {
                #expect(try await history(s, f, ["s"], 0, 10, interval: 10, aggregation: aggregation) == [:])
            }

            let big: Int64 = 4_000_000_000_000_000_001
            try await write(s, f.device.id, "n", [(1, .long(big)), (2, .long(1))])
            #expect(try await history(s, f, ["n"], 0, 10, aggregation: .sum)["n"] == points([(5, .long(big + 1))]))
        }
    }
}
