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
    /// The tenant's profile with this id, or nil (another tenant's id is nil too).
    func profile(tenant: TenantID, id: DeviceProfileID) async throws -> DeviceProfile?
    /// The tenant's default profile (`isDefault`), or nil if it has none.
    func defaultProfile(tenant: TenantID) async throws -> DeviceProfile?
    /// A page of the tenant's profiles whose name contains `textSearch` (ignoring case), in `order`.
    func profiles(tenant: TenantID, textSearch: String?, order: DeviceProfileOrder, limit: Int, offset: Int) async throws
        -> [DeviceProfile]
    func profileCount(tenant: TenantID, textSearch: String?) async throws -> Int
    /// Writes a profile's description, inactivity timeout, storage TTL and provisioning settings (not its name,
    /// tenant or default flag). Throws not-found when the tenant has no such profile.
    func updateProfile(_ profile: DeviceProfile) async throws
    /// Makes the profile the tenant's only default, in one transaction. Throws not-found when the tenant has no such
    /// profile.
    func setDefaultProfile(tenant: TenantID, id: DeviceProfileID) async throws
    /// Deletes the profile; devices still naming it lose their profile (the service refuses while any do).
    func deleteProfile(tenant: TenantID, id: DeviceProfileID) async throws -> Bool
    /// How many of the tenant's devices name each profile (profiles without devices are absent).
    func profileDeviceCounts(tenant: TenantID) async throws -> [DeviceProfileID: Int]

    /// Dashboards over the tenant's devices (issue 15). Their customers are written with them, in one transaction.
    func createDashboard(_ dashboard: Dashboard) async throws
    /// Writes title, layout and customers; throws not-found when the tenant has no such dashboard.
    func updateDashboard(_ dashboard: Dashboard) async throws
    func deleteDashboard(tenant: TenantID, id: DashboardID) async throws -> Bool
    func dashboard(tenant: TenantID, id: DashboardID) async throws -> Dashboard?
    /// The tenant's dashboards by title; with a customer, only those shared with it.
    func dashboards(tenant: TenantID, customer: CustomerID?) async throws -> [Dashboard]

    func saveClaimOffer(device: DeviceID, offer: ClaimOffer) async throws
    func claimOffer(device: DeviceID) async throws -> ClaimOffer?
    func deleteClaimOffer(device: DeviceID) async throws
}
