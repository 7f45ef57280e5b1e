import StewardCore

/// How readings in one time bucket are combined.
public enum Aggregation: String, Sendable, CaseIterable {
    case none = "NONE"
    case avg = "AVG"
    case min = "MIN"
    case max = "MAX"
    case sum = "SUM"
    case count = "COUNT"
}

/// A history query over one device.
public struct TimeSeriesQuery: Sendable, Equatable {
    public var keys: [String]
    public var startTs: Int64
    public var endTs: Int64
    /// Bucket width in milliseconds when aggregating; 0 means one bucket for the whole range.
    public var interval: Int64
    public var aggregation: Aggregation
    /// Points per key, only for `Aggregation.none`.
    public var limit: Int
    public var ascending: Bool

    public init(
        keys: [String], startTs: Int64, endTs: Int64, interval: Int64 = 0, aggregation: Aggregation = .none,
        limit: Int = 100, ascending: Bool = false
    ) {
        self.keys = keys
        self.startTs = startTs
        self.endTs = endTs
        self.interval = interval
        self.aggregation = aggregation
        self.limit = limit
        self.ascending = ascending
    }
}

/// Readings of one device, ready to be committed.
public struct TelemetryBatch: Sendable {
    public var device: DeviceID
    public var entries: [TimedValues]

    public init(device: DeviceID, entries: [TimedValues]) {
        self.device = device
        self.entries = entries
    }
}

/// Time-series reads. Writes go through `TelemetryWriter` so they can be group-committed.
public protocol TelemetryStore: Sendable {
    /// Commits the batches in one transaction. Returns only once they are durable.
    func append(_ batches: [TelemetryBatch]) throws
    func latest(tenant: TenantID, device: DeviceID, keys: [String]?) async throws -> [String: TimeSeriesPoint]
    func history(tenant: TenantID, device: DeviceID, query: TimeSeriesQuery) async throws -> [String: [TimeSeriesPoint]]
    func timeSeriesKeys(tenant: TenantID, device: DeviceID) async throws -> [String]
}

/// Attributes by scope.
public protocol AttributeStore: Sendable {
    func saveAttributes(tenant: TenantID, device: DeviceID, scope: AttributeScope, values: [KeyValue], ts: Int64) async throws
    func attributes(tenant: TenantID, device: DeviceID, scope: AttributeScope, keys: [String]?) async throws -> [AttributeEntry]
    func deleteAttributes(tenant: TenantID, device: DeviceID, scope: AttributeScope, keys: [String]) async throws -> [String]
}
