import StewardCore
import Testing

@testable import StewardDevices

/// Types `literal` as the value of one member, the way a telemetry or attribute payload carries it.
private func typed(_ literal: String) throws -> KVValue? {
    let values = try ThingsBoardJSON.keyValues(JSONParser.parse("{\"k\":\(literal)}"))
    #expect(values.count <= 1)
    #expect(values.first?.key ?? "k" == "k")
    return values.first?.value
}

private func telemetry(_ text: String, serverTs: Int64 = 5) throws -> [TimedValues] {
    try ThingsBoardJSON.telemetry(JSONParser.parse(text), serverTs: serverTs)
}

/// The StewardError a throwing call raised, or nil (recording an issue) if it did not throw one.
private func stewardError(
    sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
) -> StewardError? {
    do {
        try body()
        Issue.record("expected a StewardError", sourceLocation: sourceLocation)
    } catch let error as StewardError {
        return error
    } catch {
        Issue.record("expected a StewardError, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

@Suite struct ValueTypingTests {
    /// spec §1.4: number without `.` → LONG, with `.` → DOUBLE, exponent and integral → LONG, beyond int64 → STRING.
    static let numbers: [(String, KVValue)] = [
        ("42", .long(42)),
        ("-7", .long(-7)),
        ("0", .long(0)),
        ("-0", .long(0)),
        ("9223372036854775807", .long(.max)),
        ("-9223372036854775808", .long(.min)),
        ("42.0", .double(42.0)),
        ("-0.5", .double(-0.5)),
        ("3.14", .double(3.14)),
        ("100.00", .double(100)),
        ("1e3", .long(1000)),
        ("1E3", .long(1000)),
        ("1.0e3", .long(1000)),
        ("2.5E+1", .long(25)),
        ("1.5e0", .double(1.5)),
        ("1e-2", .double(0.01)),
        ("9223372036854775808", .string("9223372036854775808")),
        ("99999999999999999999", .string("99999999999999999999")),
        ("-99999999999999999999", .string("-99999999999999999999")),
    ]

    @Test(arguments: numbers)
    func jsonNumbers(_ literal: String, _ expected: KVValue) throws {
        #expect(try typed(literal) == expected)
    }

    /// spec §1.4: strings that `NumberUtils.isParsable` accepts become numbers (JSON_TYPE_CAST_ENABLED); others stay strings.
    static let strings: [(String, KVValue)] = [
        (#""42""#, .long(42)),
        (#""3.5""#, .double(3.5)),
        (#""-7""#, .long(-7)),
        (#""42.0""#, .double(42.0)),
        (#""007""#, .long(7)),
        (#"".5""#, .double(0.5)),
        (#""-.5""#, .double(-0.5)),
        (#""99999999999999999999""#, .string("99999999999999999999")),
        (#""1.""#, .string("1.")),
        (#""-""#, .string("-")),
        (#""""#, .string("")),
        (#""abc""#, .string("abc")),
        (#""1e3""#, .string("1e3")),
        (#""1.2.3""#, .string("1.2.3")),
        (#"" 42""#, .string(" 42")),
        (#""42 ""#, .string("42 ")),
        (#""0x1F""#, .string("0x1F")),
        (#""--1""#, .string("--1")),
        (#""NaN""#, .string("NaN")),
        (#""true""#, .string("true")),
    ]

    @Test(arguments: strings)
    func jsonStrings(_ literal: String, _ expected: KVValue) throws {
        #expect(try typed(literal) == expected)
    }

    @Test func booleans() throws {
        #expect(try typed("true") == .bool(true))
        #expect(try typed("false") == .bool(false))
    }

    @Test func nullIsDropped() throws {
        #expect(try typed("null") == nil)
        let values = try ThingsBoardJSON.keyValues(JSONParser.parse(#"{"a":null,"b":1,"c":null}"#))
        #expect(values == [KeyValue("b", .long(1))])
    }

    @Test func objectsAndArraysBecomeCompactJSONText() throws {
        #expect(try typed(#" { "a" : 1 , "b" : [ 1 , 2.0 , "x" ] } "#) == .json(#"{"a":1,"b":[1,2.0,"x"]}"#))
        #expect(try typed(#"[1, "x", null, {"y": true}]"#) == .json(#"[1,"x",null,{"y":true}]"#))
        #expect(try typed("[]") == .json("[]"))
        #expect(try typed("{}") == .json("{}"))
    }

    @Test func keepsMemberOrder() throws {
        let values = try ThingsBoardJSON.keyValues(JSONParser.parse(#"{"z":1,"a":"s","m":true}"#))
        #expect(values.map(\.key) == ["z", "a", "m"])
    }

    @Test func emptyKeyIsRefused() {
        let error = stewardError { _ = try ThingsBoardJSON.keyValues(JSONParser.parse(#"{"":1}"#)) }
        #expect(error?.kind == .badRequest)
        #expect(error?.message == "A key must not be empty")
    }

    @Test func keyLengthLimit() throws {
        let longest = String(repeating: "k", count: ThingsBoardJSON.maximumKeyLength)
        let ok = try ThingsBoardJSON.keyValues(JSONParser.parse("{\"\(longest)\":1}"))
        #expect(ok == [KeyValue(longest, .long(1))])

        let tooLong = longest + "x"
        let error = stewardError { _ = try ThingsBoardJSON.keyValues(JSONParser.parse("{\"\(tooLong)\":1}")) }
        #expect(error?.kind == .badRequest)
        #expect(error?.message.contains("longer than 255 characters") == true)
    }

    @Test func keyValuesOfANonObjectIsRefused() {
        let error = stewardError { _ = try ThingsBoardJSON.keyValues(.array([])) }
        #expect(error?.kind == .badRequest)
        #expect(error?.message.contains("an array") == true)
    }

    @Test(arguments: ["5", "5.5", "-5", "0", ".5", "-.5", "00.1", "123.456"])
    func isPlainDecimalAccepts(_ text: String) {
        #expect(ThingsBoardJSON.isPlainDecimal(text))
    }

    @Test(arguments: ["", "-", "5.", "-5.", ".", "1.2.3", "1e3", " 5", "5 ", "0x10", "--5", "5-", "-.", "a1"])
    func isPlainDecimalRefuses(_ text: String) {
        #expect(!ThingsBoardJSON.isPlainDecimal(text))
    }

    // ThingsBoard (JsonConverter.buildNumericKeyValueProto / spec §1.4): "more than 16 decimals → STRING" and
    // "integer beyond int64 → STRING" also apply to exponent forms, whose BigDecimal value overflows a long.
    static let precision: [(String, KVValue)] = [
        ("3.14159265358979323", .string("3.14159265358979323")),
        (#""0.12345678901234567""#, .string("0.12345678901234567")),
        ("1e19", .string("10000000000000000000")),
        ("1e-20", .string("0.00000000000000000001")),
    ]

    @Test(arguments: precision)
    func precisionBeyondDoubleOrLongBecomesString(_ literal: String, _ expected: KVValue) throws {
        #expect(try typed(literal) == expected)
    }
}

@Suite struct TelemetryShapeTests {
    @Test func plainObjectUsesServerTime() throws {
        let entries = try telemetry(#"{"temperature":21.5,"humidity":40}"#, serverTs: 77)
        #expect(entries == [TimedValues(ts: 77, values: [KeyValue("temperature", .double(21.5)), KeyValue("humidity", .long(40))])])
    }

    /// Elements without `ts` get consecutive server timestamps, so none replaces another.
    @Test func arrayOfObjects() throws {
        let entries = try telemetry(#"[{"temperature":21.5},{"humidity":40}]"#)
        #expect(
            entries == [
                TimedValues(ts: 5, values: [KeyValue("temperature", .double(21.5))]),
                TimedValues(ts: 6, values: [KeyValue("humidity", .long(40))]),
            ])
    }

    @Test func objectWithTsAndValues() throws {
        let entries = try telemetry(#"{"ts":1451649600512,"values":{"temperature":21.5}}"#)
        #expect(entries == [TimedValues(ts: 1_451_649_600_512, values: [KeyValue("temperature", .double(21.5))])])
    }

    @Test func numericStringTs() throws {
        let entries = try telemetry(#"{"ts":"1451649600512","values":{"t":1}}"#)
        #expect(entries == [TimedValues(ts: 1_451_649_600_512, values: [KeyValue("t", .long(1))])])
    }

    @Test func mixedArray() throws {
        let entries = try telemetry(#"[{"ts":1634712287000,"values":{"t":26}},{"h":40}]"#, serverTs: 9)
        #expect(
            entries == [
                TimedValues(ts: 1_634_712_287_000, values: [KeyValue("t", .long(26))]),
                TimedValues(ts: 9, values: [KeyValue("h", .long(40))]),
            ])
    }

    @Test func emptyObjectIsOneEmptyEntry() throws {
        #expect(try telemetry("{}") == [TimedValues(ts: 5, values: [])])
    }

    @Test func emptyArrayIsNoEntries() throws {
        #expect(try telemetry("[]") == [])
    }

    @Test func tsWithoutValuesIsAnOrdinaryKey() throws {
        // Only an object with both `ts` and `values` carries its own timestamp.
        #expect(try telemetry(#"{"ts":100}"#) == [TimedValues(ts: 5, values: [KeyValue("ts", .long(100))])])
        #expect(
            try telemetry(#"{"values":{"a":1}}"#) == [TimedValues(ts: 5, values: [KeyValue("values", .json(#"{"a":1}"#))])])
    }

    @Test func nullValuesInsideValuesAreDropped() throws {
        #expect(try telemetry(#"{"ts":1,"values":{"a":null,"b":false}}"#) == [TimedValues(ts: 1, values: [KeyValue("b", .bool(false))])])
    }

    @Test(arguments: [(#"[1]"#, 0), (#"[{"a":1},"x"]"#, 1), (#"[{"a":1},{"b":2},[]]"#, 2), (#"[null]"#, 0)])
    func nonObjectArrayElementIsRefused(_ text: String, _ index: Int) {
        let error = stewardError { _ = try telemetry(text) }
        #expect(error?.kind == .badRequest)
        #expect(error?.message.contains("element \(index) must be a JSON object") == true)
    }

    @Test(arguments: ["42", #""x""#, "true", "null", "1.5"])
    func nonObjectTopLevelIsRefused(_ text: String) {
        let error = stewardError { _ = try telemetry(text) }
        #expect(error?.kind == .badRequest)
        #expect(error?.message.hasPrefix("Telemetry must be a JSON object or an array of objects") == true)
    }

    @Test(arguments: [#"{"ts":"abc","values":{}}"#, #"{"ts":true,"values":{}}"#, #"{"ts":null,"values":{}}"#, #"{"ts":{},"values":{}}"#])
    func nonNumericTsIsRefused(_ text: String) {
        let error = stewardError { _ = try telemetry(text) }
        #expect(error?.kind == .badRequest)
        #expect(error?.message.contains("'ts' must be a number") == true)
    }

    @Test(arguments: [#"{"ts":1,"values":5}"#, #"{"ts":1,"values":[{"a":1}]}"#, #"{"ts":1,"values":"a"}"#])
    func nonObjectValuesIsRefused(_ text: String) {
        let error = stewardError { _ = try telemetry(text) }
        #expect(error?.kind == .badRequest)
        #expect(error?.message.contains("'values' must be a JSON object") == true)
    }

    @Test func badKeyInsideAnArrayElementFailsTheWholePayload() {
        let error = stewardError { _ = try telemetry(#"[{"a":1},{"":2}]"#) }
        #expect(error?.kind == .badRequest)
    }
}

@Suite struct AttributeKeyListTests {
    private func keys(_ literal: String?) throws -> [String]? {
        try ThingsBoardJSON.keyList(literal.map { try JSONParser.parse($0) }, field: "clientKeys")
    }

    @Test func absentOrNullMeansNotGiven() throws {
        #expect(try keys(nil) == nil)
        #expect(try keys("null") == nil)
    }

    @Test func commaSeparatedString() throws {
        #expect(try keys(#""attribute1,attribute2""#) == ["attribute1", "attribute2"])
        #expect(try keys(#""single""#) == ["single"])
    }

    @Test func trimsAndSkipsEmptyNames() throws {
        #expect(try keys(#"" a , b ,, c ,""#) == ["a", "b", "c"])
        #expect(try keys("\"\\ta\\n,b\"") == ["a", "b"])
        #expect(try keys(#""""#) == [])
    }

    @Test func oneElementArrayIsAccepted() throws {
        #expect(try keys(#"["a,b"]"#) == ["a", "b"])
        #expect(try keys(#"[" x "]"#) == ["x"])
    }

    @Test(arguments: [#"["a","b"]"#, "[]", "[1]", "5", "{}", "true"])
    func otherShapesAreRefused(_ literal: String) {
        let error = stewardError { _ = try keys(literal) }
        #expect(error?.kind == .badRequest)
        #expect(error?.message.contains("'clientKeys'") == true)
    }

    @Test func splitKeys() {
        #expect(ThingsBoardJSON.splitKeys("a,b") == ["a", "b"])
        #expect(ThingsBoardJSON.splitKeys(" , ") == [])
    }
}

@Suite struct RenderingTests {
    @Test func renderObjectUsesStrictTypes() {
        let json = ThingsBoardJSON.renderObject([
            ("b", .bool(true)), ("l", .long(-3)), ("d", .double(3)), ("d2", .double(0.25)), ("s", .string("a\"b")),
            ("j", .json(#"{"x":[1]}"#)),
        ])
        #expect(json == #"{"b":true,"l":-3,"d":3.0,"d2":0.25,"s":"a\"b","j":{"x":[1]}}"#)
    }

    @Test func nonFiniteDoublesRenderAsNull() {
        #expect(ThingsBoardJSON.renderObject([("x", .double(.infinity))]) == #"{"x":null}"#)
    }

    @Test func serverRPCRequestJSON() {
        let request = ServerRPCRequest(id: 3, method: "set\"Gpio", paramsJSON: #"{"pin":23}"#)
        #expect(request.json(includeID: false) == #"{"method":"set\"Gpio","params":{"pin":23}}"#)
        #expect(request.json(includeID: true) == #"{"id":3,"method":"set\"Gpio","params":{"pin":23}}"#)
    }

    /// spec §1.9: `getSessionLimits` answer shape, `null` rate limits when unlimited.
    @Test func sessionLimitsJSON() throws {
        let json = try JSONParser.parse(SessionLimits().json)
        #expect(json["maxPayloadSize"] == .number("65536"))
        #expect(json["maxInflightMessages"] == .number("100"))
        #expect(json["rateLimits"]?["messages"] == .null)
        #expect(json["rateLimits"]?["telemetryMessages"] == .null)
        #expect(json["rateLimits"]?["telemetryDataPoints"] == .null)
        let custom = try JSONParser.parse(SessionLimits(maxPayloadSize: 1024, maxInflightMessages: 7).json)
        #expect(custom["maxPayloadSize"] == .number("1024"))
        #expect(custom["maxInflightMessages"] == .number("7"))
    }
}
