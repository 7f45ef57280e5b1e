import Foundation
import StewardCore
import StewardStore

// UNBUILT: placeholders until the PostgreSQL TelemetryStore is written; every one fails loudly.
extension PostgresStore: TelemetryStore {
    public func append(_ batches: [TelemetryBatch]) async throws { throw Unbuilt.error(#function) }
    public func latest(tenant: TenantID, device: DeviceID, keys: [String]?) async throws -> [String: TimeSeriesPoint] { throw Unbuilt.error(#function) }
    public func history(tenant: TenantID, device: DeviceID, query: TimeSeriesQuery) async throws -> [String: [TimeSeriesPoint]] { throw Unbuilt.error(#function) }
    public func timeSeriesKeys(tenant: TenantID, device: DeviceID) async throws -> [String] { throw Unbuilt.error(#function) }
}
