import Foundation
import StewardCore
import StewardStore

// UNBUILT: placeholders until the PostgreSQL DeviceStore is written; every one fails loudly.
extension PostgresStore: DeviceStore {
    public func createDevice(_ device: Device) async throws { throw Unbuilt.error(#function) }
    public func updateDevice(_ device: Device) async throws { throw Unbuilt.error(#function) }
    public func device(tenant: TenantID, id: DeviceID) async throws -> Device? { throw Unbuilt.error(#function) }
    public func device(tenant: TenantID, named name: String) async throws -> Device? { throw Unbuilt.error(#function) }
    public func devices(tenant: TenantID, customer: CustomerID?, textSearch: String?, limit: Int, offset: Int) async throws -> [Device] { throw Unbuilt.error(#function) }
    public func deviceCount(tenant: TenantID, customer: CustomerID?, textSearch: String?) async throws -> Int { throw Unbuilt.error(#function) }
    public func deleteDevice(tenant: TenantID, id: DeviceID) async throws -> Bool { throw Unbuilt.error(#function) }
    public func device(accessToken: String) async throws -> Device? { throw Unbuilt.error(#function) }
    public func createProfile(_ profile: DeviceProfile) async throws { throw Unbuilt.error(#function) }
    public func profiles(tenant: TenantID) async throws -> [DeviceProfile] { throw Unbuilt.error(#function) }
    public func profile(tenant: TenantID, named name: String) async throws -> DeviceProfile? { throw Unbuilt.error(#function) }
    public func profile(provisionKey: String) async throws -> DeviceProfile? { throw Unbuilt.error(#function) }
    public func saveClaimOffer(device: DeviceID, offer: ClaimOffer) async throws { throw Unbuilt.error(#function) }
    public func claimOffer(device: DeviceID) async throws -> ClaimOffer? { throw Unbuilt.error(#function) }
    public func deleteClaimOffer(device: DeviceID) async throws { throw Unbuilt.error(#function) }
}
