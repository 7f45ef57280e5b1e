import StewardCore
import StewardStore
import Synchronization

/// An in-memory AccountStore with the real store's uniqueness rules (tenant name; customer name per tenant;
/// email ignoring case).
public final class InMemoryAccountStore: AccountStore {
    public init() {}

    public struct Conflict: Error {}

    public struct State: Sendable {
        public init() {}
        public var tenants: [Tenant] = []
        public var customers: [Customer] = []
        public var users: [(user: User, hash: String)] = []
    }

    public let state = Mutex(State())

    public func createTenant(_ tenant: Tenant) async throws {
        try state.withLock { state in
            if state.tenants.contains(where: { $0.name == tenant.name }) { throw Conflict() }
            state.tenants.append(tenant)
        }
    }

    public func tenants() async throws -> [Tenant] { state.withLock { $0.tenants } }

    public func tenant(id: TenantID) async throws -> Tenant? { state.withLock { $0.tenants.first { $0.id == id } } }

    public func tenant(named name: String) async throws -> Tenant? { state.withLock { $0.tenants.first { $0.name == name } } }

    public func deleteTenant(id: TenantID) async throws -> Bool {
        state.withLock { state in
            let before = state.tenants.count
            state.tenants.removeAll { $0.id == id }
            return before != state.tenants.count
        }
    }

    public func createCustomer(_ customer: Customer) async throws {
        try state.withLock { state in
            if state.customers.contains(where: { $0.tenantID == customer.tenantID && $0.name == customer.name }) { throw Conflict() }
            state.customers.append(customer)
        }
    }

    public func customers(tenant: TenantID) async throws -> [Customer] { state.withLock { $0.customers.filter { $0.tenantID == tenant } } }

    public func customer(tenant: TenantID, id: CustomerID) async throws -> Customer? {
        state.withLock { $0.customers.first { $0.tenantID == tenant && $0.id == id } }
    }

    public func customer(tenant: TenantID, named name: String) async throws -> Customer? {
        state.withLock { $0.customers.first { $0.tenantID == tenant && $0.name == name } }
    }

    public func createUser(_ user: User, passwordHash: String) async throws {
        try state.withLock { state in
            if state.users.contains(where: { $0.user.email.lowercased() == user.email.lowercased() }) { throw Conflict() }
            state.users.append((user, passwordHash))
        }
    }

    public func user(id: UserID) async throws -> User? { state.withLock { $0.users.first { $0.user.id == id }?.user } }

    public func user(tenant: TenantID, id: UserID) async throws -> User? {
        state.withLock { $0.users.first { $0.user.id == id && $0.user.tenantID == tenant }?.user }
    }

    public func users(tenant: TenantID) async throws -> [User] {
        state.withLock { $0.users.filter { $0.user.tenantID == tenant }.map(\.user) }
    }

    public func credentials(email: String) async throws -> (user: User, passwordHash: String)? {
        state.withLock { state in
            state.users.first { $0.user.email.lowercased() == email.lowercased() }.map { ($0.user, $0.hash) }
        }
    }

    public func userCount() async throws -> Int { state.withLock { $0.users.count } }

    public func removeUser(id: UserID) { state.withLock { $0.users.removeAll { $0.user.id == id } } }
}

/// Only profiles matter to AccountService; devices and claims are not used.
public final class ProfileOnlyDeviceStore: DeviceStore {
    public init() {}

    public let profileList = Mutex<[DeviceProfile]>([])

    public var allProfiles: [DeviceProfile] { profileList.withLock { $0 } }

    public func createProfile(_ profile: DeviceProfile) async throws { profileList.withLock { $0.append(profile) } }
    public func profiles(tenant: TenantID) async throws -> [DeviceProfile] { profileList.withLock { $0.filter { $0.tenantID == tenant } } }
    public func profile(tenant: TenantID, named name: String) async throws -> DeviceProfile? {
        profileList.withLock { $0.first { $0.tenantID == tenant && $0.name == name } }
    }
    public func profile(provisionKey: String) async throws -> DeviceProfile? {
        profileList.withLock { $0.first { $0.provisionKey == provisionKey } }
    }

    public func createDevice(_ device: Device) async throws {}
    public func updateDevice(_ device: Device) async throws {}
    public func device(tenant: TenantID, id: DeviceID) async throws -> Device? { nil }
    public func device(tenant: TenantID, named name: String) async throws -> Device? { nil }
    public func devices(tenant: TenantID, customer: CustomerID?, textSearch: String?, limit: Int, offset: Int) async throws -> [Device] { [] }
    public func deviceCount(tenant: TenantID, customer: CustomerID?, textSearch: String?) async throws -> Int { 0 }
    public func deleteDevice(tenant: TenantID, id: DeviceID) async throws -> Bool { false }
    public func device(accessToken: String) async throws -> Device? { nil }
    public func saveClaimOffer(device: DeviceID, offer: ClaimOffer) async throws {}
    public func claimOffer(device: DeviceID) async throws -> ClaimOffer? { nil }
    public func deleteClaimOffer(device: DeviceID) async throws {}
}
