import StewardCore
import StewardStore
import Synchronization

/// A minimal DeviceStore for services that only need devices and profiles. It enforces the uniqueness rules
/// of the real store (token; name per tenant; provision key) so services see the same conflicts.
public final class InMemoryDeviceStore: DeviceStore {
    public init() {}

    public struct State: Sendable {
        public init() {}
        public var devices: [Device] = []
        public var profiles: [DeviceProfile] = []
        public var claimOffers: [DeviceID: ClaimOffer] = [:]
    }

    public struct Conflict: Error {}

    public let state = Mutex(State())

    public var allDevices: [Device] { state.withLock { $0.devices } }

    public func createDevice(_ device: Device) async throws {
        try state.withLock { state in
            if state.devices.contains(where: {
                $0.id == device.id || $0.accessToken == device.accessToken
                    || ($0.tenantID == device.tenantID && $0.name == device.name)
            }) { throw Conflict() }
            state.devices.append(device)
        }
    }

    public func updateDevice(_ device: Device) async throws {
        try state.withLock { state in
            guard let index = state.devices.firstIndex(where: { $0.id == device.id && $0.tenantID == device.tenantID }) else {
                throw StewardError.notFound("Device with id [\(device.id)] is not found")
            }
            state.devices[index] = device
        }
    }

    public func device(tenant: TenantID, id: DeviceID) async throws -> Device? {
        state.withLock { $0.devices.first { $0.tenantID == tenant && $0.id == id } }
    }

    public func device(tenant: TenantID, named name: String) async throws -> Device? {
        state.withLock { $0.devices.first { $0.tenantID == tenant && $0.name == name } }
    }

    public func devices(tenant: TenantID, customer: CustomerID?, textSearch: String?, limit: Int, offset: Int) async throws -> [Device] {
        let matching = state.withLock { state in
            state.devices.filter { device in
                device.tenantID == tenant && (customer == nil || device.customerID == customer)
                    && (textSearch.map { device.name.lowercased().contains($0.lowercased()) } ?? true)
            }
        }
        return Array(matching.dropFirst(offset).prefix(limit))
    }

    public func deviceCount(tenant: TenantID, customer: CustomerID?, textSearch: String?) async throws -> Int {
        try await devices(tenant: tenant, customer: customer, textSearch: textSearch, limit: .max, offset: 0).count
    }

    public func deleteDevice(tenant: TenantID, id: DeviceID) async throws -> Bool {
        state.withLock { state in
            let before = state.devices.count
            state.devices.removeAll { $0.tenantID == tenant && $0.id == id }
            return state.devices.count != before
        }
    }

    public func device(accessToken: String) async throws -> Device? {
        state.withLock { $0.devices.first { $0.accessToken == accessToken } }
    }

    public func createProfile(_ profile: DeviceProfile) async throws {
        try state.withLock { state in
            if state.profiles.contains(where: {
                $0.id == profile.id || ($0.tenantID == profile.tenantID && $0.name == profile.name)
                    || (profile.provisionKey != nil && $0.provisionKey == profile.provisionKey)
            }) { throw Conflict() }
            state.profiles.append(profile)
        }
    }

    public func profiles(tenant: TenantID) async throws -> [DeviceProfile] {
        state.withLock { $0.profiles.filter { $0.tenantID == tenant } }
    }

    public func profile(tenant: TenantID, named name: String) async throws -> DeviceProfile? {
        state.withLock { $0.profiles.first { $0.tenantID == tenant && $0.name == name } }
    }

    public func profile(provisionKey: String) async throws -> DeviceProfile? {
        state.withLock { $0.profiles.first { $0.provisionKey == provisionKey } }
    }

    public func saveClaimOffer(device: DeviceID, offer: ClaimOffer) async throws {
        state.withLock { $0.claimOffers[device] = offer }
    }

    public func claimOffer(device: DeviceID) async throws -> ClaimOffer? {
        state.withLock { $0.claimOffers[device] }
    }

    public func deleteClaimOffer(device: DeviceID) async throws {
        _ = state.withLock { $0.claimOffers.removeValue(forKey: device) }
    }
}
