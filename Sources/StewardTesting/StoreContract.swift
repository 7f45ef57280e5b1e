import Foundation
import StewardCore
import StewardStore
import Testing

/// The store contract: what every backend's `AccountStore`, `DeviceStore`, `TelemetryStore` and `AttributeStore`
/// must do, written once against the protocols. Each function takes a backend, makes fresh stores with it and checks
/// one group of rules; a backend's test target calls each of them (see `StoreContractTests` in StewardSQLiteTests).
///
/// The assertions come from the SQLite tests that existed before the contract: they are what Steward does today.
public enum StoreContract {
    // MARK: - Helpers

    static let roundTripValues: [KVValue] = [
        .bool(true), .bool(false),
        .long(0), .long(-1), .long(.max), .long(.min),
        .double(3.0), .double(-0.5), .double(0.1), .double(1e300), .double(-2.2250738585072014e-308),
        .string("007"), .string(""), .string("3.5"), .string("true"), .string("héllo 😀 \"quoted\"\n"),
        .json(#"{"a":1,"b":[true,null]}"#), .json("[]"), .json("[1,2.50]"),
    ]

    struct Fixture {
        let tenant: Tenant
        let device: Device
    }

    /// A tenant with one device, the starting point of most contract functions.
    static func fixture(_ s: StoresUnderTest, tenantName: String = "Acme", deviceName: String = "sensor-1") async throws -> Fixture {
        let tenant = Tenant(name: tenantName, createdTime: 1)
        try await s.accounts.createTenant(tenant)
        let device = Device(tenantID: tenant.id, name: deviceName, accessToken: "token-\(UUID().uuidString)", createdTime: 10)
        try await s.devices.createDevice(device)
        return Fixture(tenant: tenant, device: device)
    }

    /// Writes readings of one key, as (ts, value) pairs, in one batch through the writer, and waits until durable.
    static func write(_ s: StoresUnderTest, _ device: DeviceID, _ key: String, _ readings: [(Int64, KVValue)]) async throws {
        try await s.writer.write(
            TelemetryBatch(device: device, entries: readings.map { TimedValues(ts: $0.0, values: [KeyValue(key, $0.1)]) }))
    }

    static func history(
        _ s: StoresUnderTest, _ f: Fixture, _ keys: [String], _ start: Int64, _ end: Int64, interval: Int64 = 0,
        aggregation: Aggregation = .none, limit: Int = 100, ascending: Bool = false
    ) async throws -> [String: [TimeSeriesPoint]] {
        try await s.telemetry.history(
            tenant: f.tenant.id, device: f.device.id,
            query: TimeSeriesQuery(
                keys: keys, startTs: start, endTs: end, interval: interval, aggregation: aggregation, limit: limit, ascending: ascending))
    }

    static func points(_ pairs: [(Int64, KVValue)]) -> [TimeSeriesPoint] {
        pairs.map { TimeSeriesPoint(ts: $0.0, value: $0.1) }
    }

    /// Expects `body` to throw a StewardError of `kind`.
    static func expectStewardError(
        _ kind: StewardError.Kind, sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> Void
    ) async {
        do {
            try await body()
            Issue.record("expected StewardError.\(kind), nothing was thrown", sourceLocation: sourceLocation)
        } catch let error as StewardError {
            #expect(error.kind == kind, sourceLocation: sourceLocation)
        } catch {
            Issue.record("expected StewardError.\(kind), got \(error)", sourceLocation: sourceLocation)
        }
    }
}
