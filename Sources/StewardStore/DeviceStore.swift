import StewardCore

/// A device's claim offer: the secret a customer must present, until when.
public struct ClaimOffer: Sendable, Equatable {
    public var secretKey: String
    public var expiresAt: Int64

    public init(secretKey: String, expiresAt: Int64) {
        self.secretKey = secretKey
        self.expiresAt = expiresAt
    }
}

/// Devices, their access tokens, profiles and claim offers.
public protocol DeviceStore: Sendable {
    func createDevice(_ device: Device) async throws
    func updateDevice(_ device: Device) async throws
    func device(tenant: TenantID, id: DeviceID) async throws -> Device?
    func device(tenant: TenantID, named name: String) async throws -> Device?
    func devices(tenant: TenantID, customer: CustomerID?, textSearch: String?, limit: Int, offset: Int) async throws -> [Device]
    func deviceCount(tenant: TenantID, customer: CustomerID?, textSearch: String?) async throws -> Int
    /// Deletes the device with its telemetry and attributes: deleting a device deletes its data.
    func deleteDevice(tenant: TenantID, id: DeviceID) async throws -> Bool
    /// Device authentication: the one lookup that is not tenant-scoped, because the token is the proof of tenant.
    func device(accessToken: String) async throws -> Device?

    func createProfile(_ profile: DeviceProfile) async throws
    func profiles(tenant: TenantID) async throws -> [DeviceProfile]
    func profile(tenant: TenantID, named name: String) async throws -> DeviceProfile?
    /// Provisioning lookup by key: not tenant-scoped, the key and secret are the proof of tenant.
    func profile(provisionKey: String) async throws -> DeviceProfile?

    func saveClaimOffer(device: DeviceID, offer: ClaimOffer) async throws
    func claimOffer(device: DeviceID) async throws -> ClaimOffer?
    func deleteClaimOffer(device: DeviceID) async throws
}
