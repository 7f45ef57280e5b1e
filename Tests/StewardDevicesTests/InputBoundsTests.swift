import StewardCore
import StewardStore
import Testing

@testable import StewardDevices

/// Numbers from outside are checked before any arithmetic (issue 11: integer overflow used to stop the server).
@Suite struct IntegerInputTests {
    static let int64Extremes = ["-9223372036854775808", "9223372036854775807", "-1", "0"]

    @Test func valuesInRangeAreReadAndOthersRefusedWithTheirName() throws {
        #expect(try IntegerInput.parse("0", name: "page", range: 0...10) == 0)
        #expect(try IntegerInput.parse(nil as String?, name: "page", range: 0...10) == nil)
        #expect(try IntegerInput.parse("", name: "page", range: 0...10) == nil)
        for text in ["-1", "11", "9223372036854775807", "-9223372036854775808", "99999999999999999999", "abc", "1.5", "0x1", " 1"] {
            do {
                _ = try IntegerInput.parse(text, name: "page", range: 0...10)
                Issue.record("\(text) was accepted")
            } catch {
                #expect(error.kind == .badRequest)
                #expect(error.message.contains("'page'"))
            }
        }
    }

    @Test func aRefusedValueIsNotEchoedWhole() throws {
        let long = String(repeating: "9", count: 10_000) + "x"
        do {
            _ = try IntegerInput.parse(long, name: "limit", range: 1...5)
            Issue.record("accepted")
        } catch {
            #expect(error.message.count < 200)
        }
    }

    @Test func jsonMembersMustBeWholeNumbersInRange() throws {
        let json = try JSONParser.parse(#"{"a":5,"b":-1,"c":"5","d":1.5,"e":1e300,"f":null,"g":9223372036854775807}"#)
        #expect(try IntegerInput.member(json, "a", range: 0...10) == 5)
        #expect(try IntegerInput.member(json, "f", range: 0...10) == nil)
        #expect(try IntegerInput.member(json, "missing", range: 0...10) == nil)
        for name in ["b", "c", "d", "e", "g"] {
            #expect(throws: StewardError.self) { try IntegerInput.member(json, name, range: 0...10) }
        }
    }

    @Test func checkedArithmeticRefusesOverflow() throws {
        #expect(try IntegerInput.product(3, 4, what: "x") == 12)
        #expect(throws: StewardError.self) { try IntegerInput.product(Int.max, 2, what: "The page number") }
        #expect(throws: StewardError.self) { try IntegerInput.sum(Int64.max, 1, what: "The expiry") }
    }
}

@Suite struct TimeSeriesQueryValidationTests {
    func query(start: Int64 = 0, end: Int64 = 1_000, interval: Int64 = 0, agg: Aggregation = .none, limit: Int = 100)
        -> TimeSeriesQuery
    {
        TimeSeriesQuery(keys: ["t"], startTs: start, endTs: end, interval: interval, aggregation: agg, limit: limit)
    }

    @Test func extremesAreRefusedBeforeAnyArithmetic() {
        let bad = [
            query(start: Int64.min), query(start: -1), query(end: Int64.max), query(start: 0, end: Int64.max, interval: 1, agg: .avg),
            query(start: 10, end: 5), query(interval: -1), query(interval: Int64.max), query(limit: 0), query(limit: -1),
            query(start: 0, end: IntegerInput.maximumTimestamp, interval: 1, agg: .avg),
        ]
        for q in bad {
            #expect(throws: StewardError.self) { try q.validate() }
        }
    }

    @Test func theWidestValidQueriesPass() throws {
        try query(start: 0, end: IntegerInput.maximumTimestamp).validate()
        try query(start: 0, end: IntegerInput.maximumTimestamp, interval: IntegerInput.maximumTimestamp, agg: .sum).validate()
        try query(start: 0, end: 700, interval: 1, agg: .avg).validate()
    }
}

@Suite struct ValueBoundTests {
    private func typed(_ literal: String) throws -> KVValue? {
        try ThingsBoardJSON.keyValues(JSONParser.parse("{\"k\":\(literal)}")).first?.value
    }

    /// Found by the ThingsBoard fuzzer: the smallest Int exponent used to trap in `abs`, stopping the server.
    @Test func extremeExponentsNeitherTrapNorStoreHugeText() throws {
        #expect(try typed("1E-9223372036854775808") == .double(0))
        #expect(try typed("-1e-9223372036854775808") == .double(-0.0))
        #expect(throws: StewardError.self) { try typed("1E9223372036854775807") }
        #expect(throws: StewardError.self) { try typed("1e99999999999999999999999") }
    }

    @Test func aHugeExponentIsRefusedWithAReason() {
        for literal in ["1e99999", "-1e99999", "1e400"] {
            do {
                _ = try typed(literal)
                Issue.record("\(literal) was accepted")
            } catch let error as StewardError {
                #expect(error.message.contains("out of range"))
                #expect(error.message.contains("'k'"))
            } catch {
                Issue.record("unexpected \(error)")
            }
        }
    }

    @Test func longNumbersWithinADoublesRangeBecomeDoubles() throws {
        #expect(try typed("1e300") == .double(1e300))
        #expect(try typed("1e-99999") == .double(0))
        #expect(try typed(String(repeating: "7", count: 300)) == .double(Double(String(repeating: "7", count: 300))!))
        // Up to the bound the exact text is kept, as before.
        #expect(try typed("1e19") == .string("10000000000000000000"))
        #expect(try typed("1e99") == .string("1" + String(repeating: "0", count: 99)))
    }

    @Test func noStoredValueExceedsTheBound() throws {
        for literal in ["1e100", "1e-100", "123456789e95", "-0.5e-97", "9" + String(repeating: "9", count: 99)] {
            let value = try typed(literal)
            if case .string(let text)? = value { #expect(text.utf8.count <= ThingsBoardJSON.maximumExactNumberLength) }
        }
    }

    @Test func aLongStringOfDigitsStaysAString() throws {
        let digits = String(repeating: "1", count: 5_000)
        #expect(try typed("\"\(digits)\"") == .string(digits))
    }

    @Test func oneMessageCarriesAtMostTheBoundOfValues() throws {
        let many = (0...ThingsBoardJSON.maximumValuesPerMessage).map { "\"k\($0)\":1" }.joined(separator: ",")
        #expect(throws: StewardError.self) { try ThingsBoardJSON.keyValues(JSONParser.parse("{\(many)}")) }
        let rows = (0..<ThingsBoardJSON.maximumValuesPerMessage / 2 + 1).map { "{\"ts\":\($0),\"values\":{\"a\":1,\"b\":2}}" }
        #expect(throws: StewardError.self) { try ThingsBoardJSON.telemetry(JSONParser.parse("[\(rows.joined(separator: ","))]"), serverTs: 1) }
        let fits = (0..<ThingsBoardJSON.maximumValuesPerMessage / 2).map { "{\"ts\":\($0),\"values\":{\"a\":1,\"b\":2}}" }
        #expect(try ThingsBoardJSON.telemetry(JSONParser.parse("[\(fits.joined(separator: ","))]"), serverTs: 1).count == 5_000)
    }

    @Test func telemetryTimestampsOutOfRangeAreRefused() {
        for ts in ["-1", "-9223372036854775808", "9223372036854775807", "253402300800000"] {
            #expect(throws: StewardError.self) {
                try ThingsBoardJSON.telemetry(JSONParser.parse("{\"ts\":\(ts),\"values\":{\"t\":1}}"), serverTs: 1)
            }
        }
    }
}

@Suite struct ServerTimestampsTests {
    @Test func timestampsOfOneDeviceOnlyIncrease() throws {
        let clock = ServerTimestamps()
        let device = DeviceID()
        #expect(try clock.reserve(device, count: 1, now: 1_000) == 1_000)
        #expect(try clock.reserve(device, count: 3, now: 1_000) == 1_001)
        #expect(try clock.reserve(device, count: 1, now: 1_000) == 1_004)
        #expect(try clock.reserve(device, count: 1, now: 2_000) == 2_000)
        // Another device is not pushed ahead by the first.
        #expect(try clock.reserve(DeviceID(), count: 1, now: 1_000) == 1_000)
        // A message with only timed readings reserves nothing.
        #expect(try clock.reserve(device, count: 0, now: 1_500) == 1_500)
        #expect(try clock.reserve(device, count: 1, now: 1_500) == 2_001)
    }

    @Test func forgettingDevicesInThePastKeepsTheRule() throws {
        let clock = ServerTimestamps(pruneThreshold: 2)
        let device = DeviceID()
        #expect(try clock.reserve(device, count: 5, now: 100) == 100)
        for _ in 0..<5 { _ = try clock.reserve(DeviceID(), count: 1, now: 103) }
        // `device` was still ahead of the clock (104 >= 103), so it was kept.
        #expect(try clock.reserve(device, count: 1, now: 103) == 105)
    }

    @Test func untimedElementsOfOneMessageAreCounted() throws {
        #expect(ThingsBoardJSON.untimedCount(try JSONParser.parse(#"{"a":1}"#)) == 1)
        #expect(ThingsBoardJSON.untimedCount(try JSONParser.parse(#"{"ts":1,"values":{"a":1}}"#)) == 0)
        #expect(ThingsBoardJSON.untimedCount(try JSONParser.parse(#"[{"a":1},{"ts":1,"values":{}},{"b":2}]"#)) == 2)
        // Empty objects store nothing and take no millisecond: a body of `{}`s cannot push the clock ahead.
        #expect(ThingsBoardJSON.untimedCount(try JSONParser.parse(#"[{},{},{"a":1},{}]"#)) == 1)
        let entries = try ThingsBoardJSON.telemetry(JSONParser.parse(#"[{},{"a":1},{},{"b":2}]"#), serverTs: 50)
        #expect(entries.filter { !$0.values.isEmpty }.map(\.ts) == [50, 51])
    }

    @Test func aDeviceMayRunAheadOfTheClockOnlyBoundedly() throws {
        let clock = ServerTimestamps(maximumLead: 100)
        let device = DeviceID()
        #expect(try clock.reserve(device, count: 101, now: 1_000) == 1_000)
        // 1,000…1,100 are taken; one more would be 101 ms ahead.
        #expect(throws: StewardError.self) { try clock.reserve(device, count: 1, now: 1_000) }
        // The refusal took nothing: once the clock moves on, the device gets the next millisecond.
        #expect(try clock.reserve(device, count: 1, now: 1_001) == 1_101)
        // One message larger than the lead is refused outright, and another device is unaffected.
        #expect(throws: StewardError.self) { try clock.reserve(DeviceID(), count: 102, now: 5_000) }
        #expect(try clock.reserve(DeviceID(), count: 1, now: 5_000) == 5_000)
    }
}
