import Foundation
import StewardCore
import StewardStore

// UNBUILT: placeholders until the PostgreSQL AttributeStore is written; every one fails loudly.
extension PostgresStore: AttributeStore {
    public func saveAttributes( tenant: TenantID, device: DeviceID, scope: StewardCore.AttributeScope, values: [KeyValue], ts: Int64, sensitiveKeys: Set<String> ) async throws { throw Unbuilt.error(#function) }
    public func attributes(tenant: TenantID, device: DeviceID, scope: StewardCore.AttributeScope, keys: [String]?) async throws -> [AttributeEntry] { throw Unbuilt.error(#function) }
    public func deleteAttributes(tenant: TenantID, device: DeviceID, scope: StewardCore.AttributeScope, keys: [String]) async throws -> [String] { throw Unbuilt.error(#function) }
}
