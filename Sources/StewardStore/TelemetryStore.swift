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

    /// The most buckets one aggregated query may produce (ThingsBoard's `MAX_INTERVALS` guard): more would
    /// cost the server far more than any chart can show.
    public static let maximumIntervals: Int64 = 700

    /// The largest number of raw points per key one query may ask for (ThingsBoard reads `limit` as a Java `int`).
    public static let maximumLimit = Int(Int32.max)

    /// Refuses a query whose numbers are out of range, so that no arithmetic on them can overflow: timestamps
    /// within `IntegerInput.timestamps`, the end not before the start, a non-negative interval and a positive limit.
    /// Every store calls it before reading; the REST API and the CLI call it to answer 400 with its message.
    public func validate() throws(StewardError) {
        guard IntegerInput.timestamps.contains(startTs) else {
            throw .badRequest("'startTs' must be from 0 to \(IntegerInput.maximumTimestamp) (milliseconds since 1970), not \(startTs)")
        }
        guard IntegerInput.timestamps.contains(endTs) else {
            throw .badRequest("'endTs' must be from 0 to \(IntegerInput.maximumTimestamp) (milliseconds since 1970), not \(endTs)")
        }
        guard endTs >= startTs else { throw .badRequest("'endTs' must not be before 'startTs'") }
        guard (0...IntegerInput.maximumTimestamp).contains(interval) else {
            throw .badRequest("'interval' must be from 0 to \(IntegerInput.maximumTimestamp) milliseconds, not \(interval)")
        }
        if aggregation != .none, interval > 0, (endTs - startTs) / interval > Self.maximumIntervals {
            throw .badRequest("The query asks for more than \(Self.maximumIntervals) intervals; widen 'interval'")
        }
        guard (1...Self.maximumLimit).contains(limit) else {
            throw .badRequest("'limit' must be from 1 to \(Self.maximumLimit), not \(limit)")
        }
    }
}

/// Readings of one device, ready to be committed.
public struct TelemetryBatch: Sendable {
    /// The device's tenant, when the submitter knows it: the post-commit feed publishes only batches that carry it.
    public var tenant: TenantID?
    public var device: DeviceID
    public var entries: [TimedValues]
    /// Keys in a sensitive data category (precise location, health…), decided by the device service from the
    /// declaration before the batch is submitted: the store seals their readings with the key of the person the
    /// device concerns, and stores everything else as it is. The store never classifies anything itself.
    public var sensitiveKeys: Set<String>
    /// How long the readings live, counted from each reading's own time (ThingsBoard's REST `{ttl}` segment, in ms):
    /// the store notes when each expires and the retention run deletes it then. Nil for every device batch, so the
    /// ingest hot path writes nothing more.
    public var ttlMillis: Int64?

    public init(
        tenant: TenantID? = nil, device: DeviceID, entries: [TimedValues], sensitiveKeys: Set<String> = [], ttlMillis: Int64? = nil
    ) {
        self.tenant = tenant
        self.device = device
        self.entries = entries
        self.sensitiveKeys = sensitiveKeys
        self.ttlMillis = ttlMillis
    }
}

/// Time-series reads. Writes go through `TelemetryWriter` so they can be group-committed.
public protocol TelemetryStore: Sendable {
    /// Commits the batches in one transaction. Returns only once they are durable. Called by `TelemetryWriter`, one
    /// group at a time.
    func append(_ batches: [TelemetryBatch]) async throws
    func latest(tenant: TenantID, device: DeviceID, keys: [String]?) async throws -> [String: TimeSeriesPoint]
    func history(tenant: TenantID, device: DeviceID, query: TimeSeriesQuery) async throws -> [String: [TimeSeriesPoint]]
    func timeSeriesKeys(tenant: TenantID, device: DeviceID) async throws -> [String]
    /// The time of each device's newest reading (any key), in one query for the whole list: devices of another tenant,
    /// unknown ids and devices without readings are absent from the answer (`DeviceActivity.swift`).
    func newestReadingTimes(tenant: TenantID, devices: [DeviceID]) async throws -> [DeviceID: Int64]
    /// Deletes readings of one device in one transaction (ThingsBoard's `DELETE …/timeseries/delete`) and returns, per
    /// key, how many went. A key the device has neither readings nor a latest value of is refused before anything is
    /// deleted (`ReadingDeletion.unknownKeys`).
    func deleteReadings(tenant: TenantID, device: DeviceID, _ deletion: ReadingDeletion) async throws -> [String: Int]
}

/// A telemetry store whose commit blocks its caller anyway (an embedded database that writes and fsyncs on the calling
/// thread). `TelemetryWriter` runs such a commit straight on its own writer thread, which exists for nothing else,
/// instead of starting a task and waiting for it: four thread wake-ups fewer per group commit, measured as about a
/// tenth of the durable ingest rate. Backends on an event loop (PostgreSQL) implement only the async `append`.
public protocol BlockingTelemetryAppend: TelemetryStore {
    /// The same commit as `append`, on the calling thread.
    func appendBlocking(_ batches: [TelemetryBatch]) throws
}

/// Attributes by scope.
public protocol AttributeStore: Sendable {
    /// Saves attributes; those under `sensitiveKeys` are sealed with the key of the person the device concerns (see
    /// `TelemetryBatch.sensitiveKeys`), their keys kept plain so they are still found by key.
    func saveAttributes(
        tenant: TenantID, device: DeviceID, scope: AttributeScope, values: [KeyValue], ts: Int64, sensitiveKeys: Set<String>
    ) async throws
    func attributes(tenant: TenantID, device: DeviceID, scope: AttributeScope, keys: [String]?) async throws -> [AttributeEntry]
    func deleteAttributes(tenant: TenantID, device: DeviceID, scope: AttributeScope, keys: [String]) async throws -> [String]
}

extension AttributeStore {
    /// Saves attributes none of which is sensitive.
    public func saveAttributes(tenant: TenantID, device: DeviceID, scope: AttributeScope, values: [KeyValue], ts: Int64) async throws {
        try await saveAttributes(tenant: tenant, device: device, scope: scope, values: values, ts: ts, sensitiveKeys: [])
    }
}
