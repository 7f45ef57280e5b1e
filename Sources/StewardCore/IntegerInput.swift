/// Whole numbers that come from outside (query strings, path segments, JSON fields, topics) are read here,
/// checked against the range their use allows, and refused with a message that names the parameter and the
/// range. Swift traps on overflow and a trap stops the server for every tenant, so nothing from outside reaches
/// arithmetic before it has passed through one of these functions.
public enum IntegerInput {
    /// The largest timestamp Steward accepts: 9999-12-31T23:59:59.999Z in milliseconds. Any two accepted
    /// timestamps can be subtracted, and a bucket start plus an accepted interval cannot overflow.
    public static let maximumTimestamp: Int64 = 253_402_300_799_999

    /// The range of a timestamp in milliseconds since 1970.
    public static let timestamps: ClosedRange<Int64> = 0...maximumTimestamp

    /// Parses `text` as a decimal integer in `range`; `nil` text (the parameter was not given) is `nil`.
    /// An empty value counts as not given, as browsers and clients send `?page=` for "no value".
    public static func parse(_ text: Substring?, name: String, range: ClosedRange<Int64>) throws(StewardError) -> Int64? {
        guard let text, !text.isEmpty else { return nil }
        guard let value = Int64(text) else {
            throw .badRequest("Parameter '\(name)' must be a whole number from \(range.lowerBound) to \(range.upperBound), not '\(excerpt(text))'")
        }
        guard range.contains(value) else {
            throw .badRequest("Parameter '\(name)' must be from \(range.lowerBound) to \(range.upperBound), not \(value)")
        }
        return value
    }

    /// As `parse(_:name:range:)`, for a `String`.
    public static func parse(_ text: String?, name: String, range: ClosedRange<Int64>) throws(StewardError) -> Int64? {
        try parse(text.map { Substring($0) }, name: name, range: range)
    }

    /// Reads an optional integer member of a JSON object. A member that is present but not a whole number in
    /// `range` (a string, a fraction, `1e99`, a value out of range) is refused; `null` counts as absent.
    public static func member(_ json: JSONValue, _ name: String, range: ClosedRange<Int64>) throws(StewardError) -> Int64? {
        guard let value = json[name] else { return nil }
        switch value {
        case .null:
            return nil
        case .number(let text):
            guard let number = Int64(text) else {
                throw .badRequest("'\(name)' must be a whole number from \(range.lowerBound) to \(range.upperBound), not \(excerpt(Substring(text)))")
            }
            guard range.contains(number) else {
                throw .badRequest("'\(name)' must be from \(range.lowerBound) to \(range.upperBound), not \(number)")
            }
            return number
        default:
            throw .badRequest("'\(name)' must be a number of milliseconds, not \(excerpt(Substring(value.serialized)))")
        }
    }

    /// `a * b`, or a refusal naming `what` when the product does not fit in 64 bits.
    public static func product(_ a: Int, _ b: Int, what: String) throws(StewardError) -> Int {
        let (result, overflow) = a.multipliedReportingOverflow(by: b)
        guard !overflow else { throw .badRequest("\(what) is too large") }
        return result
    }

    /// `a + b`, or a refusal naming `what` when the sum does not fit in 64 bits.
    public static func sum(_ a: Int64, _ b: Int64, what: String) throws(StewardError) -> Int64 {
        let (result, overflow) = a.addingReportingOverflow(b)
        guard !overflow else { throw .badRequest("\(what) is out of range") }
        return result
    }

    /// The start of a refused value, so a 100 KB parameter is not echoed back whole.
    static func excerpt(_ text: Substring) -> String {
        text.count <= 40 ? String(text) : String(text.prefix(40)) + "…"
    }
}
