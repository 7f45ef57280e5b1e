import StewardCore
import StewardSQLite
import StewardStore
import Testing

@Suite struct LatestTests {
    @Test func latestKeepsTheNewestReadingEvenWhenAnOlderOneArrivesLater() async throws {
        try await withStore { store in
            let f = try await Fixture.make(store)
            try await f.append("t", [(200, .long(2))])
            try await f.append("t", [(100, .long(1))])  // late, older reading
            let latest = try await store.latest(tenant: f.tenant.id, device: f.device.id, keys: nil)
            #expect(latest == ["t": TimeSeriesPoint(ts: 200, value: .long(2))])
            // The older reading is still in the history.
            let history = try await f.history(["t"], 0, 1_000, ascending: true)
            #expect(history["t"] == points([(100, .long(1)), (200, .long(2))]))
        }
    }

    @Test func latestWithinOneBatchIsTheNewestTimestampNotTheLastWritten() async throws {
        try await withStore { store in
            let f = try await Fixture.make(store)
            try await f.append("t", [(300, .long(3)), (100, .long(1)), (200, .long(2))])
            let latest = try await store.latest(tenant: f.tenant.id, device: f.device.id, keys: ["t"])
            #expect(latest["t"] == TimeSeriesPoint(ts: 300, value: .long(3)))
        }
    }

    @Test func latestAcrossBatchesOfOneGroup() async throws {
        try await withStore { store in
            let f = try await Fixture.make(store)
            try await store.append([
                TelemetryBatch(device: f.device.id, entries: [TimedValues(ts: 500, values: [KeyValue("t", .long(5))])]),
                TelemetryBatch(device: f.device.id, entries: [TimedValues(ts: 400, values: [KeyValue("t", .long(4))])]),
            ])
            let latest = try await store.latest(tenant: f.tenant.id, device: f.device.id, keys: nil)
            #expect(latest["t"] == TimeSeriesPoint(ts: 500, value: .long(5)))
        }
    }

    @Test func newerReadingReplacesLatestAndTypeMayChange() async throws {
        try await withStore { store in
            let f = try await Fixture.make(store)
            try await f.append("t", [(100, .long(1))])
            try await f.append("t", [(150, .string("offline"))])
            let latest = try await store.latest(tenant: f.tenant.id, device: f.device.id, keys: ["t"])
            #expect(latest["t"] == TimeSeriesPoint(ts: 150, value: .string("offline")))
        }
    }

    @Test func sameTimestampOverwrites() async throws {
        try await withStore { store in
            let f = try await Fixture.make(store)
            try await f.append("t", [(100, .long(1))])
            try await f.append("t", [(100, .double(1.5))])
            let history = try await f.history(["t"], 0, 1_000)
            #expect(history["t"] == points([(100, .double(1.5))]))
            let latest = try await store.latest(tenant: f.tenant.id, device: f.device.id, keys: nil)
            #expect(latest["t"] == TimeSeriesPoint(ts: 100, value: .double(1.5)))
        }
    }

    @Test func latestFiltersKeys() async throws {
        try await withStore { store in
            let f = try await Fixture.make(store)
            try await store.append([
                TelemetryBatch(
                    device: f.device.id,
                    entries: [TimedValues(ts: 10, values: [KeyValue("a", .long(1)), KeyValue("b", .bool(true)), KeyValue("c", .string("x"))])])
            ])
            let some = try await store.latest(tenant: f.tenant.id, device: f.device.id, keys: ["a", "c", "missing"])
            #expect(some == ["a": TimeSeriesPoint(ts: 10, value: .long(1)), "c": TimeSeriesPoint(ts: 10, value: .string("x"))])
            #expect(try await store.latest(tenant: f.tenant.id, device: f.device.id, keys: []) == [:])
            #expect(try await store.latest(tenant: f.tenant.id, device: f.device.id, keys: nil).count == 3)
            #expect(try await store.timeSeriesKeys(tenant: f.tenant.id, device: f.device.id) == ["a", "b", "c"])
        }
    }

    @Test func devicesDoNotSeeEachOthersReadings() async throws {
        try await withStore { store in
            let f = try await Fixture.make(store)
            let other = Device(tenantID: f.tenant.id, name: "other", accessToken: "other-token", createdTime: 1)
            try await store.createDevice(other)
            try await f.append("t", [(1, .long(1))])
            try await f.append("u", [(2, .long(2))], device: other.id)
            #expect(try await store.timeSeriesKeys(tenant: f.tenant.id, device: f.device.id) == ["t"])
            #expect(try await store.timeSeriesKeys(tenant: f.tenant.id, device: other.id) == ["u"])
            #expect(try await store.latest(tenant: f.tenant.id, device: other.id, keys: ["t"]) == [:])
        }
    }

    @Test func appendWithAnUnknownDeviceRefusesTheWholeGroup() async throws {
        try await withStore { store in
            let f = try await Fixture.make(store)
            try await f.append("known", [(1, .long(1))])
            await expectStewardError(.notFound) {
                try await store.append([
                    TelemetryBatch(device: f.device.id, entries: [TimedValues(ts: 2, values: [KeyValue("known", .long(2))])]),
                    TelemetryBatch(device: DeviceID(), entries: [TimedValues(ts: 2, values: [KeyValue("ghost", .long(1))])]),
                ])
            }
            // One transaction: nothing of the refused group is stored.
            #expect(try await f.history(["known"], 0, 10)["known"] == points([(1, .long(1))]))
            #expect(try await store.timeSeriesKeys(tenant: f.tenant.id, device: f.device.id) == ["known"])
        }
    }

    /// TelemetryWriter retries each batch of a refused group on its own. A key first seen in the refused (rolled back)
    /// transaction must still be readable once the retry stores it.
    @Test func keyFirstSeenInARolledBackGroupIsReadableAfterTheRetry() async throws {
        try await withStore { store in
            let f = try await Fixture.make(store)
            let good = TelemetryBatch(device: f.device.id, entries: [TimedValues(ts: 5, values: [KeyValue("fresh", .long(42))])])
            await expectStewardError(.notFound) {
                try await store.append([
                    good, TelemetryBatch(device: DeviceID(), entries: [TimedValues(ts: 5, values: [KeyValue("x", .long(1))])]),
                ])
            }
            try await store.append([good])

            #expect(try await f.history(["fresh"], 0, 10)["fresh"] == points([(5, .long(42))]))
            let latest = try await store.latest(tenant: f.tenant.id, device: f.device.id, keys: nil)
            #expect(latest == ["fresh": TimeSeriesPoint(ts: 5, value: .long(42))])
            #expect(try await store.timeSeriesKeys(tenant: f.tenant.id, device: f.device.id) == ["fresh"])

            // A key introduced afterwards must not share storage with "fresh".
            try await f.append("later", [(6, .string("other"))])
            #expect(try await f.history(["fresh"], 0, 10)["fresh"] == points([(5, .long(42))]))
            #expect(try await f.history(["later"], 0, 10)["later"] == points([(6, .string("other"))]))
        }
    }
}

@Suite struct ValueRoundTripTests {
    static let values: [KVValue] = [
        .bool(true), .bool(false),
        .long(0), .long(-1), .long(.max), .long(.min),
        .double(3.0), .double(-0.5), .double(0.1), .double(1e300), .double(-2.2250738585072014e-308),
        .string("007"), .string(""), .string("3.5"), .string("true"), .string("héllo 😀 \"quoted\"\n"),
        .json(#"{"a":1,"b":[true,null]}"#), .json("[]"), .json("[1,2.50]"),
    ]

    @Test(arguments: values)
    func telemetryValueRoundTripsExactly(_ value: KVValue) async throws {
        try await withStore { store in
            let f = try await Fixture.make(store)
            try await f.append("k", [(42, value)])
            let latest = try await store.latest(tenant: f.tenant.id, device: f.device.id, keys: ["k"])
            #expect(latest["k"] == TimeSeriesPoint(ts: 42, value: value))
            let history = try await f.history(["k"], 0, 100)
            #expect(history["k"] == [TimeSeriesPoint(ts: 42, value: value)])
        }
    }

    @Test(arguments: values)
    func attributeValueRoundTripsExactly(_ value: KVValue) async throws {
        try await withStore { store in
            let f = try await Fixture.make(store)
            try await store.saveAttributes(tenant: f.tenant.id, device: f.device.id, scope: .shared, values: [KeyValue("k", value)], ts: 9)
            let entries = try await store.attributes(tenant: f.tenant.id, device: f.device.id, scope: .shared, keys: ["k"])
            #expect(entries == [AttributeEntry(key: "k", value: value, lastUpdateTs: 9)])
        }
    }

    @Test func integralDoubleStaysADoubleNextToLongs() async throws {
        try await withStore { store in
            let f = try await Fixture.make(store)
            try await f.append("k", [(1, .long(3)), (2, .double(3.0))])
            let history = try await f.history(["k"], 0, 10, ascending: true)
            #expect(history["k"] == points([(1, .long(3)), (2, .double(3.0))]))
        }
    }
}

@Suite struct RawHistoryTests {
    /// Ten readings at 100, 200, …, 1000.
    func seeded(_ store: SQLiteStore) async throws -> Fixture {
        let f = try await Fixture.make(store)
        try await f.append("v", (1...10).map { (Int64($0) * 100, KVValue.long(Int64($0))) })
        return f
    }

    @Test func rangeIsHalfOpenAndDescendingByDefault() async throws {
        try await withStore { store in
            let f = try await seeded(store)
            let history = try await f.history(["v"], 200, 500)
            #expect(history["v"]?.map(\.ts) == [400, 300, 200])
            #expect(history["v"]?.map(\.value) == [.long(4), .long(3), .long(2)])
        }
    }

    @Test func ascendingOrder() async throws {
        try await withStore { store in
            let f = try await seeded(store)
            #expect(try await f.history(["v"], 200, 500, ascending: true)["v"]?.map(\.ts) == [200, 300, 400])
        }
    }

    @Test func limitKeepsTheFirstPointsInTheRequestedOrder() async throws {
        try await withStore { store in
            let f = try await seeded(store)
            #expect(try await f.history(["v"], 0, 10_000, limit: 3)["v"]?.map(\.ts) == [1000, 900, 800])
            #expect(try await f.history(["v"], 0, 10_000, limit: 3, ascending: true)["v"]?.map(\.ts) == [100, 200, 300])
            #expect(try await f.history(["v"], 0, 10_000, limit: 100)["v"]?.count == 10)
        }
    }

    @Test func endIsExclusiveAndStartInclusive() async throws {
        try await withStore { store in
            let f = try await seeded(store)
            #expect(try await f.history(["v"], 100, 101)["v"]?.map(\.ts) == [100])
            #expect(try await f.history(["v"], 101, 200) == [:])
            #expect(try await f.history(["v"], 1000, 1001)["v"]?.map(\.ts) == [1000])
        }
    }

    @Test func keysWithoutPointsAreAbsent() async throws {
        try await withStore { store in
            let f = try await seeded(store)
            try await f.append("w", [(5_000, .long(1))])
            let history = try await f.history(["v", "w", "never"], 0, 1_001)
            #expect(Set(history.keys) == ["v"])
            #expect(history["v"]?.count == 10)
        }
    }

    @Test func limitAppliesPerKey() async throws {
        try await withStore { store in
            let f = try await seeded(store)
            try await f.append("w", [(100, .long(1)), (200, .long(2)), (300, .long(3))])
            let history = try await f.history(["v", "w"], 0, 10_000, limit: 2)
            #expect(history["v"]?.map(\.ts) == [1000, 900])
            #expect(history["w"]?.map(\.ts) == [300, 200])
        }
    }
}

@Suite struct AggregationTests {
    /// Buckets of 20 ms over [0, 100): [0,20) [20,40) [40,60) [60,80) [80,100), middles 10, 30, 50, 70, 90.
    /// [60,80) stays empty; [40,60) holds only a string.
    func seeded(_ store: SQLiteStore) async throws -> Fixture {
        let f = try await Fixture.make(store)
        try await f.append(
            "v",
            [
                (1, .long(10)), (2, .long(20)),
                (30, .long(5)), (31, .double(2.5)),
                (55, .string("y")),
                (81, .long(7)), (85, .string("x")),
                (100, .long(1_000)),  // at the end: excluded
            ])
        return f
    }

    func aggregate(_ f: Fixture, _ aggregation: Aggregation, interval: Int64 = 20, end: Int64 = 100, ascending: Bool = true)
        async throws -> [TimeSeriesPoint]?
    {
        try await f.history(["v"], 0, end, interval: interval, aggregation: aggregation, ascending: ascending)["v"]
    }

    @Test func countCountsEveryReadingAndOmitsEmptyBuckets() async throws {
        try await withStore { store in
            let f = try await seeded(store)
            #expect(try await aggregate(f, .count) == points([(10, .long(2)), (30, .long(2)), (50, .long(1)), (90, .long(2))]))
        }
    }

    @Test func sumKeepsLongsLongAndMixedBecomesDouble() async throws {
        try await withStore { store in
            let f = try await seeded(store)
            #expect(try await aggregate(f, .sum) == points([(10, .long(30)), (30, .double(7.5)), (90, .long(7))]))
        }
    }

    @Test func avgIsADouble() async throws {
        try await withStore { store in
            let f = try await seeded(store)
            #expect(try await aggregate(f, .avg) == points([(10, .double(15)), (30, .double(3.75)), (90, .double(7))]))
        }
    }

    @Test func minAndMax() async throws {
        try await withStore { store in
            let f = try await seeded(store)
            #expect(try await aggregate(f, .min) == points([(10, .long(10)), (30, .double(2.5)), (90, .long(7))]))
            #expect(try await aggregate(f, .max) == points([(10, .long(20)), (30, .double(5)), (90, .long(7))]))
        }
    }

    @Test func descendingIsTheDefaultOrder() async throws {
        try await withStore { store in
            let f = try await seeded(store)
            #expect(try await aggregate(f, .count, ascending: false)?.map(\.ts) == [90, 50, 30, 10])
        }
    }

    /// spec §4.4: the last bucket is cut at endTs and its ts is the middle of what remains.
    @Test func lastBucketIsClampedToTheEnd() async throws {
        try await withStore { store in
            let f = try await seeded(store)
            #expect(
                try await aggregate(f, .count, interval: 40, end: 90)
                    == points([(20, .long(4)), (60, .long(1)), (85, .long(2))]))
        }
    }

    @Test func intervalZeroIsOneBucketForTheWholeRange() async throws {
        try await withStore { store in
            let f = try await seeded(store)
            #expect(try await aggregate(f, .count, interval: 0) == points([(50, .long(7))]))
            #expect(try await aggregate(f, .sum, interval: 0) == points([(50, .double(44.5))]))
            #expect(try await aggregate(f, .min, interval: 0) == points([(50, .double(2.5))]))
            #expect(try await aggregate(f, .max, interval: 0) == points([(50, .double(20))]))
        }
    }

    @Test func bucketsStartAtStartTs() async throws {
        try await withStore { store in
            let f = try await seeded(store)
            // Buckets [25,50) and [50,75) and [75,100): middles 37, 62, 87.
            let result = try await f.history(["v"], 25, 100, interval: 25, aggregation: .count, ascending: true)["v"]
            #expect(result == points([(37, .long(2)), (62, .long(1)), (87, .long(2))]))
        }
    }

    @Test func booleansAndJSONAreOnlyCounted() async throws {
        try await withStore { store in
            let f = try await Fixture.make(store)
            try await f.append("s", [(1, .bool(true)), (2, .json("{}")), (3, .string("5"))])
            #expect(try await f.history(["s"], 0, 10, interval: 10, aggregation: .count)["s"] == points([(5, .long(3))]))
            for aggregation in [Aggregation.sum, .avg, .min, .max] {
                #expect(try await f.history(["s"], 0, 10, interval: 10, aggregation: aggregation) == [:])
            }
        }
    }

    @Test func longSumStaysExact() async throws {
        try await withStore { store in
            let f = try await Fixture.make(store)
            let big: Int64 = 4_000_000_000_000_000_001
            try await f.append("n", [(1, .long(big)), (2, .long(1))])
            let sum = try await f.history(["n"], 0, 10, aggregation: .sum)["n"]
            #expect(sum == points([(5, .long(big + 1))]))
        }
    }
}

@Suite struct AttributeStoreTests {
    @Test func saveReadFilterAndOverwrite() async throws {
        try await withStore { store in
            let f = try await Fixture.make(store)
            try await store.saveAttributes(
                tenant: f.tenant.id, device: f.device.id, scope: .client,
                values: [KeyValue("b", .string("x")), KeyValue("a", .long(1))], ts: 10)

            let all = try await store.attributes(tenant: f.tenant.id, device: f.device.id, scope: .client, keys: nil)
            #expect(all == [AttributeEntry(key: "a", value: .long(1), lastUpdateTs: 10), AttributeEntry(key: "b", value: .string("x"), lastUpdateTs: 10)])
            let some = try await store.attributes(tenant: f.tenant.id, device: f.device.id, scope: .client, keys: ["b", "zz"])
            #expect(some == [AttributeEntry(key: "b", value: .string("x"), lastUpdateTs: 10)])
            #expect(try await store.attributes(tenant: f.tenant.id, device: f.device.id, scope: .client, keys: []) == [])

            try await store.saveAttributes(
                tenant: f.tenant.id, device: f.device.id, scope: .client, values: [KeyValue("a", .bool(false))], ts: 20)
            let updated = try await store.attributes(tenant: f.tenant.id, device: f.device.id, scope: .client, keys: nil)
            #expect(updated == [AttributeEntry(key: "a", value: .bool(false), lastUpdateTs: 20), AttributeEntry(key: "b", value: .string("x"), lastUpdateTs: 10)])
        }
    }

    @Test func scopesAreSeparate() async throws {
        try await withStore { store in
            let f = try await Fixture.make(store)
            for (n, scope) in AttributeScope.allCases.enumerated() {
                try await store.saveAttributes(
                    tenant: f.tenant.id, device: f.device.id, scope: scope, values: [KeyValue("k", .long(Int64(n)))], ts: 1)
            }
            for (n, scope) in AttributeScope.allCases.enumerated() {
                let entries = try await store.attributes(tenant: f.tenant.id, device: f.device.id, scope: scope, keys: nil)
                #expect(entries == [AttributeEntry(key: "k", value: .long(Int64(n)), lastUpdateTs: 1)])
            }
        }
    }

    @Test func deleteReportsWhatExistedAndOnlyInThatScope() async throws {
        try await withStore { store in
            let f = try await Fixture.make(store)
            try await store.saveAttributes(
                tenant: f.tenant.id, device: f.device.id, scope: .shared,
                values: [KeyValue("a", .long(1)), KeyValue("b", .long(2))], ts: 1)
            try await store.saveAttributes(
                tenant: f.tenant.id, device: f.device.id, scope: .server, values: [KeyValue("a", .long(3))], ts: 1)

            let deleted = try await store.deleteAttributes(tenant: f.tenant.id, device: f.device.id, scope: .shared, keys: ["a", "nope"])
            #expect(deleted == ["a"])
            #expect(try await store.attributes(tenant: f.tenant.id, device: f.device.id, scope: .shared, keys: nil).map(\.key) == ["b"])
            #expect(try await store.attributes(tenant: f.tenant.id, device: f.device.id, scope: .server, keys: nil).map(\.key) == ["a"])
            #expect(try await store.deleteAttributes(tenant: f.tenant.id, device: f.device.id, scope: .shared, keys: ["a"]) == [])
        }
    }

    @Test func attributesAreNotTelemetry() async throws {
        try await withStore { store in
            let f = try await Fixture.make(store)
            try await store.saveAttributes(
                tenant: f.tenant.id, device: f.device.id, scope: .client, values: [KeyValue("fw", .string("1"))], ts: 1)
            #expect(try await store.timeSeriesKeys(tenant: f.tenant.id, device: f.device.id) == [])
        }
    }
}
