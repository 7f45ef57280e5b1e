/// A typed telemetry or attribute value, with ThingsBoard's five data types.
public enum KVValue: Sendable, Equatable, Hashable {
    case bool(Bool)
    case long(Int64)
    case double(Double)
    case string(String)
    /// A JSON object or array kept as its compact text, so it is stored and returned verbatim.
    case json(String)

    /// The value as ThingsBoard renders it when `useStrictDataTypes=false`: always a string.
    public var stringValue: String {
        switch self {
        case .bool(let b): return b ? "true" : "false"
        case .long(let l): return String(l)
        case .double(let d): return KVValue.format(d)
        case .string(let s): return s
        case .json(let j): return j
        }
    }

    /// Java's `Double.toString` style: integral doubles keep a trailing `.0`.
    public static func format(_ d: Double) -> String {
        if d.isFinite, d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) + ".0" }
        return String(d)
    }

    public var doubleValue: Double? {
        switch self {
        case .long(let l): return Double(l)
        case .double(let d): return d
        default: return nil
        }
    }
}

/// One key and its value.
public struct KeyValue: Sendable, Equatable, Hashable {
    public var key: String
    public var value: KVValue

    public init(_ key: String, _ value: KVValue) {
        self.key = key
        self.value = value
    }
}

/// Values that share one timestamp (milliseconds since the epoch).
public struct TimedValues: Sendable, Equatable {
    public var ts: Int64
    public var values: [KeyValue]

    public init(ts: Int64, values: [KeyValue]) {
        self.ts = ts
        self.values = values
    }
}

/// A stored reading as returned by queries.
public struct TimeSeriesPoint: Sendable, Equatable {
    public var ts: Int64
    public var value: KVValue

    public init(ts: Int64, value: KVValue) {
        self.ts = ts
        self.value = value
    }
}

/// Attribute scopes, with ThingsBoard's names.
public enum AttributeScope: String, Sendable, CaseIterable, Codable {
    case client = "CLIENT_SCOPE"
    case server = "SERVER_SCOPE"
    case shared = "SHARED_SCOPE"

    public var code: Int {
        switch self {
        case .client: return 1
        case .server: return 2
        case .shared: return 3
        }
    }

    public init?(code: Int) {
        guard let scope = Self.allCases.first(where: { $0.code == code }) else { return nil }
        self = scope
    }
}

/// A stored attribute with the time it last changed.
public struct AttributeEntry: Sendable, Equatable {
    public var key: String
    public var value: KVValue
    public var lastUpdateTs: Int64

    public init(key: String, value: KVValue, lastUpdateTs: Int64) {
        self.key = key
        self.value = value
        self.lastUpdateTs = lastUpdateTs
    }
}
