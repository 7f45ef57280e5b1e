import StewardCore
import StewardStore
import Synchronization

/// The profile methods of `InMemoryDeviceStore`, following the real stores (one default per tenant, tenant-scoped).
extension InMemoryDeviceStore {
    public func profile(tenant: TenantID, id: DeviceProfileID) async throws -> DeviceProfile? {
        state.withLock { $0.profiles.first { $0.tenantID == tenant && $0.id == id } }
    }

    public func defaultProfile(tenant: TenantID) async throws -> DeviceProfile? {
        state.withLock { $0.profiles.first { $0.tenantID == tenant && $0.isDefault } }
    }

    public func profiles(tenant: TenantID, textSearch: String?, order: DeviceProfileOrder, limit: Int, offset: Int) async throws
        -> [DeviceProfile]
    {
        let matching = state.withLock { state in
            state.profiles.filter { profile in
                profile.tenantID == tenant
                    && (textSearch.map { $0.isEmpty || profile.name.lowercased().contains($0.lowercased()) } ?? true)
            }
        }
        let sorted = matching.sorted { a, b in
            let before: Bool
            switch order.property {
            case .createdTime: before = a.createdTime < b.createdTime
            case .name: before = a.name.lowercased() < b.name.lowercased()
            case .description: before = (a.description ?? "").lowercased() < (b.description ?? "").lowercased()
            case .isDefault: before = !a.isDefault && b.isDefault
            }
            return order.ascending ? before : !before
        }
        return Array(sorted.dropFirst(offset).prefix(limit))
    }

    public func profileCount(tenant: TenantID, textSearch: String?) async throws -> Int {
        try await profiles(tenant: tenant, textSearch: textSearch, order: DeviceProfileOrder(), limit: Int.max, offset: 0).count
    }

    public func updateProfile(_ profile: DeviceProfile) async throws {
        try state.withLock { state in
            guard let index = state.profiles.firstIndex(where: { $0.id == profile.id && $0.tenantID == profile.tenantID }) else {
                throw StorageTTL.notFound(.profile(profile.id))
            }
            var updated = profile
            updated.name = state.profiles[index].name
            updated.isDefault = state.profiles[index].isDefault
            state.profiles[index] = updated
        }
    }

    public func setDefaultProfile(tenant: TenantID, id: DeviceProfileID) async throws {
        try state.withLock { state in
            guard state.profiles.contains(where: { $0.id == id && $0.tenantID == tenant }) else {
                throw StorageTTL.notFound(.profile(id))
            }
            for index in state.profiles.indices where state.profiles[index].tenantID == tenant {
                state.profiles[index].isDefault = state.profiles[index].id == id
            }
        }
    }

    public func deleteProfile(tenant: TenantID, id: DeviceProfileID) async throws -> Bool {
        state.withLock { state in
            let before = state.profiles.count
            state.profiles.removeAll { $0.id == id && $0.tenantID == tenant }
            for index in state.devices.indices where state.devices[index].profileID == id { state.devices[index].profileID = nil }
            return state.profiles.count < before
        }
    }

    public func profileDeviceCounts(tenant: TenantID) async throws -> [DeviceProfileID: Int] {
        state.withLock { state in
            var counts: [DeviceProfileID: Int] = [:]
            for device in state.devices where device.tenantID == tenant { if let id = device.profileID { counts[id, default: 0] += 1 } }
            return counts
        }
    }
}

/// `ProfileOnlyDeviceStore` answers the profile methods AccountService does not use with nothing.
extension ProfileOnlyDeviceStore {
    public func profile(tenant: TenantID, id: DeviceProfileID) async throws -> DeviceProfile? {
        profileList.withLock { $0.first { $0.tenantID == tenant && $0.id == id } }
    }
    public func defaultProfile(tenant: TenantID) async throws -> DeviceProfile? {
        profileList.withLock { $0.first { $0.tenantID == tenant && $0.isDefault } }
    }
    public func profiles(tenant: TenantID, textSearch: String?, order: DeviceProfileOrder, limit: Int, offset: Int) async throws
        -> [DeviceProfile]
    { try await profiles(tenant: tenant) }
    public func profileCount(tenant: TenantID, textSearch: String?) async throws -> Int { try await profiles(tenant: tenant).count }
    public func updateProfile(_ profile: DeviceProfile) async throws {}
    public func setDefaultProfile(tenant: TenantID, id: DeviceProfileID) async throws {}
    public func deleteProfile(tenant: TenantID, id: DeviceProfileID) async throws -> Bool { false }
    public func profileDeviceCounts(tenant: TenantID) async throws -> [DeviceProfileID: Int] { [:] }
}
