import Foundation
import StewardCore
import StewardSQLite
import StewardStore
import Synchronization
import Testing

/// Runs `body` against a fresh store in its own temporary directory, removed afterwards.
func withStore<T>(_ body: (SQLiteStore) async throws -> T) async throws -> T {
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("steward-sqlite-tests-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let store = try SQLiteStore(directory: directory, durability: .normal)
    return try await body(store)
}

/// A tenant with one device, the starting point of most tests.
struct Fixture {
    let store: SQLiteStore
    let tenant: Tenant
    let device: Device

    static func make(_ store: SQLiteStore, tenantName: String = "Acme", deviceName: String = "sensor-1") async throws -> Fixture {
        let tenant = Tenant(name: tenantName, createdTime: 1)
        try await store.createTenant(tenant)
        let device = Device(tenantID: tenant.id, name: deviceName, accessToken: "token-\(UUID().uuidString)", createdTime: 10)
        try await store.createDevice(device)
        return Fixture(store: store, tenant: tenant, device: device)
    }

    /// Appends readings of one key, as (ts, value) pairs, in one batch.
    func append(_ key: String, _ readings: [(Int64, KVValue)], device: DeviceID? = nil) async throws {
        try await store.append([
            TelemetryBatch(
                device: device ?? self.device.id,
                entries: readings.map { TimedValues(ts: $0.0, values: [KeyValue(key, $0.1)]) })
        ])
    }

    func history(
        _ keys: [String], _ start: Int64, _ end: Int64, interval: Int64 = 0, aggregation: Aggregation = .none,
        limit: Int = 100, ascending: Bool = false
    ) async throws -> [String: [TimeSeriesPoint]] {
        try await store.history(
            tenant: tenant.id, device: device.id,
            query: TimeSeriesQuery(
                keys: keys, startTs: start, endTs: end, interval: interval, aggregation: aggregation, limit: limit,
                ascending: ascending))
    }
}

/// Expects `body` to throw a StewardError of `kind`.
func expectStewardError(
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

func points(_ pairs: [(Int64, KVValue)]) -> [TimeSeriesPoint] {
    pairs.map { TimeSeriesPoint(ts: $0.0, value: $0.1) }
}

/// A lock-protected value that escaping closures can share (a `Mutex` itself cannot be captured by them).
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ value: Value) { mutex = Mutex(value) }
    func withLock<R: Sendable>(_ body: (inout Value) -> R) -> R { mutex.withLock { body(&$0) } }
    var value: Value { mutex.withLock { $0 } }
}
