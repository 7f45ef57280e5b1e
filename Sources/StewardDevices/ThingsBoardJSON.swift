import StewardCore

/// ThingsBoard's rules for turning device JSON into typed readings (`JsonConverter` in its sources).
///
/// Numbers keep the type they were written with (`42` → long, `42.0` → double); strings that hold a plain
/// decimal number are stored as that number (ThingsBoard's default `JSON_TYPE_CAST_ENABLED`); `null` is
/// dropped; objects and arrays are stored as JSON text.
public enum ThingsBoardJSON {
    /// Keys longer than this are refused: ThingsBoard's key dictionary holds 255 characters.
    public static let maximumKeyLength = 255
    /// Decimal places a double keeps; longer fractions are stored as strings, as ThingsBoard does.
    public static let maximumDecimals = 16
    /// The longest number kept exactly as written (in characters, after expanding an exponent). A longer number
    /// is stored as a double when a double can hold it, and refused otherwise: `1e99999` would otherwise be
    /// stored as 100,000 digits.
    public static let maximumExactNumberLength = 100
    /// The most readings (or attributes) one message may carry; a message costs at most this many rows.
    public static let maximumValuesPerMessage = 10_000

    /// Parses a telemetry payload in any of its shapes: an object, an object with `ts` and `values`, or an
    /// array mixing both.
    ///
    /// Readings without their own `ts` get the server's time: the first element without one gets `serverTs`, the
    /// next `serverTs + 1`, and so on, so two of them never share a timestamp and replace each other.
    public static func telemetry(_ json: JSONValue, serverTs: Int64) throws(StewardError) -> [TimedValues] {
        var untimed: Int64 = 0
        switch json {
        case .object:
            return [try timedValues(json, serverTs: serverTs, untimed: &untimed)]
        case .array(let items):
            var result: [TimedValues] = []
            result.reserveCapacity(items.count)
            var count = 0
            for (index, item) in items.enumerated() {
                guard case .object = item else {
                    throw .badRequest("Telemetry array element \(index) must be a JSON object, not \(describe(item))")
                }
                let entry = try timedValues(item, serverTs: serverTs, untimed: &untimed)
                count += entry.values.count
                guard count <= maximumValuesPerMessage else { throw tooManyValues() }
                result.append(entry)
            }
            return result
        default:
            throw .badRequest("Telemetry must be a JSON object or an array of objects, not \(describe(json))")
        }
    }

    /// How many elements of a telemetry payload take the server's time: those without a `ts` of their own that
    /// carry at least one member (an empty `{}` stores nothing and takes no millisecond).
    public static func untimedCount(_ json: JSONValue) -> Int64 {
        switch json {
        case .object: return takesServerTime(json) ? 1 : 0
        case .array(let items): return Int64(items.count(where: takesServerTime))
        default: return 0
        }
    }

    static func takesServerTime(_ object: JSONValue) -> Bool {
        !isTimed(object) && !(object.objectMembers?.isEmpty ?? true)
    }

    static func isTimed(_ object: JSONValue) -> Bool { object["ts"] != nil && object["values"] != nil }

    static func timedValues(_ object: JSONValue, serverTs: Int64, untimed: inout Int64) throws(StewardError) -> TimedValues {
        if let tsValue = object["ts"], let values = object["values"] {
            guard let ts = tsValue.int64Value else {
                throw .badRequest("Telemetry 'ts' must be a number of milliseconds, not \(describe(tsValue))")
            }
            guard IntegerInput.timestamps.contains(ts) else {
                throw .badRequest("Telemetry 'ts' must be from 0 to \(IntegerInput.maximumTimestamp) (milliseconds since 1970), not \(ts)")
            }
            guard case .object = values else {
                throw .badRequest("Telemetry 'values' must be a JSON object, not \(describe(values))")
            }
            return TimedValues(ts: ts, values: try keyValues(values))
        }
        let values = try keyValues(object)
        guard !values.isEmpty else { return TimedValues(ts: serverTs, values: []) }
        defer { untimed += 1 }
        return TimedValues(ts: serverTs + untimed, values: values)
    }

    static func tooManyValues() -> StewardError {
        .badRequest("A message may carry at most \(maximumValuesPerMessage) values; send the rest in another message")
    }

    /// Parses a JSON object of attributes or telemetry values; `null` members are dropped.
    public static func keyValues(_ object: JSONValue) throws(StewardError) -> [KeyValue] {
        guard let members = object.objectMembers else {
            throw .badRequest("Expected a JSON object of key-value pairs, not \(describe(object))")
        }
        guard members.count <= maximumValuesPerMessage else { throw tooManyValues() }
        var result: [KeyValue] = []
        result.reserveCapacity(members.count)
        for member in members {
            if member.key.isEmpty { throw .badRequest("A key must not be empty") }
            if member.key.count > maximumKeyLength {
                throw .badRequest("Key '\(member.key.prefix(32))…' is longer than \(maximumKeyLength) characters")
            }
            if let value = try value(member.value, key: member.key) {
                result.append(KeyValue(member.key, value))
            }
        }
        return result
    }

    /// Types one JSON value; returns nil for `null`, which ThingsBoard drops.
    public static func value(_ json: JSONValue, key: String) throws(StewardError) -> KVValue? {
        switch json {
        case .null: return nil
        case .bool(let b): return .bool(b)
        case .object, .array: return .json(json.serialized)
        case .number(let text): return try numeric(text, key: key)
        case .string(let s):
            // A long string of digits is text that happens to be digits: it stays a string.
            if s.utf8.count <= maximumExactNumberLength, isPlainDecimal(s) { return try numeric(s, key: key) }
            return .string(s)
        }
    }

    /// A number by how it was written: exponent forms are longs when integral, a decimal point makes a double,
    /// and integers too large for 64 bits are kept as strings rather than rounded.
    ///
    /// A number longer than `maximumExactNumberLength` (as written, or once its exponent is expanded) is stored as
    /// a double when it is within a double's range, and refused otherwise, so one value never costs more than a
    /// few hundred bytes however it is written.
    static func numeric(_ text: String, key: String = "") throws(StewardError) -> KVValue {
        if text.utf8.count > maximumExactNumberLength { return try approximate(text, key: key) }
        if text.contains(where: { $0 == "e" || $0 == "E" }) {
            guard let decimal = ExactDecimal(text) else { return try approximate(text, key: key) }
            let stripped = decimal.stripped
            if stripped.plainLength > maximumExactNumberLength || decimal.plainLength > maximumExactNumberLength {
                return try approximate(text, key: key)
            }
            if stripped.scale <= 0 {
                // Integral: a long when it fits, else the exact digits (never a rounded double).
                let plain = stripped.plainString
                return Int64(plain).map(KVValue.long) ?? .string(plain)
            }
            if decimal.scale > maximumDecimals { return .string(decimal.plainString) }
            return Double(text).map(KVValue.double) ?? .string(text)
        }
        if let point = text.firstIndex(of: ".") {
            // More decimals than a double carries are kept as written rather than silently rounded.
            if text[text.index(after: point)...].count > maximumDecimals { return .string(text) }
            return Double(text).map(KVValue.double) ?? .string(text)
        }
        if let l = Int64(text) { return .long(l) }
        return .string(text.hasPrefix("+") ? String(text.dropFirst()) : text)
    }

    /// A number too long to keep exactly: a double if it is finite, else a refusal that says why.
    static func approximate(_ text: String, key: String) throws(StewardError) -> KVValue {
        if let double = Double(text), double.isFinite { return .double(double) }
        let shown = text.utf8.count <= 24 ? text : String(text.prefix(24)) + "…"
        let subject = key.isEmpty ? "A number" : "The value of '\(key.prefix(64))'"
        throw .badRequest(
            "\(subject) (\(shown)) is out of range: numbers longer than \(maximumExactNumberLength) digits are stored as doubles, "
                + "and this one is beyond a double's range (about ±1.8e308)")
    }

    /// Apache Commons `NumberUtils.isParsable`: an optional minus, digits, at most one decimal point, not at the end.
    static func isPlainDecimal(_ s: String) -> Bool {
        var utf8 = Substring(s).utf8[...]
        if utf8.first == UInt8(ascii: "-") { utf8 = utf8.dropFirst() }
        guard !utf8.isEmpty, utf8.last != UInt8(ascii: ".") else { return false }
        var seenPoint = false
        for byte in utf8 {
            if byte == UInt8(ascii: ".") {
                if seenPoint { return false }
                seenPoint = true
            } else if byte < UInt8(ascii: "0") || byte > UInt8(ascii: "9") {
                return false
            }
        }
        return true
    }

    /// Renders a typed value as JSON (strict types, JSON values inline).
    public static func render(_ value: KVValue, to out: inout String) {
        switch value {
        case .bool(let b): out += b ? "true" : "false"
        case .long(let l): out += String(l)
        case .double(let d): out += d.isFinite ? KVValue.format(d) : "null"
        case .string(let s): JSONValue.writeString(s, to: &out)
        case .json(let j): out += j
        }
    }

    /// Renders `{"k":v,...}`.
    public static func renderObject(_ values: [(String, KVValue)]) -> String {
        var out = "{"
        for (i, (key, value)) in values.enumerated() {
            if i > 0 { out += "," }
            JSONValue.writeString(key, to: &out)
            out += ":"
            render(value, to: &out)
        }
        out += "}"
        return out
    }

    /// `{"key":[{"ts":…,"value":…}]}`; values are strings unless `useStrictDataTypes=true`, as in ThingsBoard.
    public static func renderSeries(_ series: [(String, [TimeSeriesPoint?])], strict: Bool, nullTs: Int64) -> String {
        var out = "{"
        for (index, (key, points)) in series.enumerated() {
            if index > 0 { out += "," }
            out += JSONValue.quoted(key) + ":["
            for (i, point) in points.enumerated() {
                if i > 0 { out += "," }
                guard let point else {
                    out += "{\"ts\":\(nullTs),\"value\":null}"
                    continue
                }
                out += "{\"ts\":\(point.ts),\"value\":"
                if strict {
                    ThingsBoardJSON.render(point.value, to: &out)
                } else {
                    JSONValue.writeString(point.value.stringValue, to: &out)
                }
                out += "}"
            }
            out += "]"
        }
        return out + "}"
    }

    static func describe(_ json: JSONValue) -> String {
        switch json {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    /// Reads `clientKeys`/`sharedKeys` of an attribute request: a comma-separated string (or a one-element array,
    /// which ThingsBoard's parser also accepts). Nil means "not given".
    public static func keyList(_ json: JSONValue?, field: String) throws(StewardError) -> [String]? {
        guard let json else { return nil }
        let text: String
        switch json {
        case .null: return nil
        case .string(let s): text = s
        case .array(let items) where items.count == 1:
            guard case .string(let s) = items[0] else { throw .badRequest("'\(field)' must be a comma-separated string") }
            text = s
        default:
            throw .badRequest("'\(field)' must be a comma-separated string of keys, e.g. \"a,b\"")
        }
        return splitKeys(text)
    }

    public static func splitKeys(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
    }
}

extension Substring {
    func trimmingWhitespace() -> String {
        var slice = self[...]
        while let first = slice.first, first.isWhitespace { slice = slice.dropFirst() }
        while let last = slice.last, last.isWhitespace { slice = slice.dropLast() }
        return String(slice)
    }
}

/// A JSON number as exact digits and a decimal scale (value = digits × 10^-scale), the way Java's `BigDecimal`
/// sees it, so exponent forms are typed without passing through a lossy `Double`.
struct ExactDecimal: Equatable {
    var negative: Bool
    /// Significant digits without leading zeros ("0" for zero).
    var digits: String
    var scale: Int

    init(negative: Bool, digits: String, scale: Int) {
        self.negative = negative
        self.digits = digits
        self.scale = scale
    }

    init?(_ text: String) {
        var rest = Substring(text)
        negative = rest.first == "-"
        if negative { rest = rest.dropFirst() }
        var exponent = 0
        if let e = rest.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            var exponentText = rest[rest.index(after: e)...]
            if exponentText.first == "+" { exponentText = exponentText.dropFirst() }
            // A range check, not `abs`: `abs(Int.min)` traps, and "1E-9223372036854775808" is one message away.
            guard let value = Int(exponentText), (-99_999...99_999).contains(value) else { return nil }
            exponent = value
            rest = rest[..<e]
        }
        var fraction = Substring("")
        if let point = rest.firstIndex(of: ".") {
            fraction = rest[rest.index(after: point)...]
            rest = rest[..<point]
        }
        let all = String(rest) + fraction
        guard !all.isEmpty, all.allSatisfy(\.isASCIIDigit) else { return nil }
        let trimmed = all.drop(while: { $0 == "0" })
        digits = trimmed.isEmpty ? "0" : String(trimmed)
        scale = fraction.count - exponent
    }

    /// The same value with trailing zeros removed (BigDecimal's `stripTrailingZeros`).
    var stripped: ExactDecimal {
        guard digits != "0" else { return ExactDecimal(negative: negative, digits: "0", scale: 0) }
        var digits = Substring(self.digits)
        var scale = self.scale
        while digits.count > 1, digits.last == "0" {
            digits = digits.dropLast()
            scale -= 1
        }
        return ExactDecimal(negative: negative, digits: String(digits), scale: scale)
    }

    /// The length `plainString` would have, computed without building it.
    var plainLength: Int {
        let sign = negative && digits != "0" ? 1 : 0
        if scale <= 0 { return sign + digits.count + (digits == "0" ? 0 : -scale) }
        if digits.count > scale { return sign + digits.count + 1 }
        return sign + 2 + scale
    }

    /// BigDecimal's `toPlainString`: no exponent.
    var plainString: String {
        let sign = negative && digits != "0" ? "-" : ""
        if scale <= 0 { return sign + digits + String(repeating: "0", count: digits == "0" ? 0 : -scale) }
        if digits.count > scale {
            let split = digits.index(digits.endIndex, offsetBy: -scale)
            return sign + digits[..<split] + "." + digits[split...]
        }
        return sign + "0." + String(repeating: "0", count: scale - digits.count) + digits
    }
}

extension Character {
    var isASCIIDigit: Bool { self >= "0" && self <= "9" }
}
