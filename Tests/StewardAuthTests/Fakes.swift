import StewardCore
import StewardStore
import Synchronization

/// An in-memory AccountStore with the real store's uniqueness rules (tenant name; customer name per tenant;
/// email ignoring case).
final class InMemoryAccountStore: AccountStore {
    struct Conflict: Error {}

    struct State {
        var tenants: [Tenant] = []
        var customers: [Customer] = []
        var users: [(user: User, hash: String)] = []
    }

    let state = Mutex(State())

    func createTenant(_ tenant: Tenant) async throws {
        try state.withLock { state in
            if state.tenants.contains(where: { $0.name == tenant.name }) { throw Conflict() }
            state.tenants.append(tenant)
        }
    }

    func tenants() async throws -> [Tenant] { state.withLock { $0.tenants } }

    func tenant(id: TenantID) async throws -> Tenant? { state.withLock { $0.tenants.first { $0.id == id } } }

    func tenant(named name: String) async throws -> Tenant? { state.withLock { $0.tenants.first { $0.name == name } } }

    func deleteTenant(id: TenantID) async throws -> Bool {
        state.withLock { state in
            let before = state.tenants.count
            state.tenants.removeAll { $0.id == id }
            return before != state.tenants.count
        }
    }

    func createCustomer(_ customer: Customer) async throws {
        try state.withLock { state in
            if state.customers.contains(where: { $0.tenantID == customer.tenantID && $0.name == customer.name }) { throw Conflict() }
            state.customers.append(customer)
        }
    }

    func customers(tenant: TenantID) async throws -> [Customer] { state.withLock { $0.customers.filter { $0.tenantID == tenant } } }

    func customer(tenant: TenantID, id: CustomerID) async throws -> Customer? {
        state.withLock { $0.customers.first { $0.tenantID == tenant && $0.id == id } }
    }

    func customer(tenant: TenantID, named name: String) async throws -> Customer? {
        state.withLock { $0.customers.first { $0.tenantID == tenant && $0.name == name } }
    }

    func createUser(_ user: User, passwordHash: String) async throws {
        try state.withLock { state in
            if state.users.contains(where: { $0.user.email.lowercased() == user.email.lowercased() }) { throw Conflict() }
            state.users.append((user, passwordHash))
        }
    }

    func user(id: UserID) async throws -> User? { state.withLock { $0.users.first { $0.user.id == id }?.user } }

    func user(tenant: TenantID, id: UserID) async throws -> User? {
        state.withLock { $0.users.first { $0.user.id == id && $0.user.tenantID == tenant }?.user }
    }

    func users(tenant: TenantID) async throws -> [User] {
        state.withLock { $0.users.filter { $0.user.tenantID == tenant }.map(\.user) }
    }

    func credentials(email: String) async throws -> (user: User, passwordHash: String)? {
        state.withLock { state in
            state.users.first { $0.user.email.lowercased() == email.lowercased() }.map { ($0.user, $0.hash) }
        }
    }

    func userCount() async throws -> Int { state.withLock { $0.users.count } }

    func removeUser(id: UserID) { state.withLock { $0.users.removeAll { $0.user.id == id } } }
}

/// Only profiles matter to AccountService; devices and claims are not used.
final class ProfileOnlyDeviceStore: DeviceStore {
    let profileList = Mutex<[DeviceProfile]>([])

    var allProfiles: [DeviceProfile] { profileList.withLock { $0 } }

    func createProfile(_ profile: DeviceProfile) async throws { profileList.withLock { $0.append(profile) } }
    func profiles(tenant: TenantID) async throws -> [DeviceProfile] { profileList.withLock { $0.filter { $0.tenantID == tenant } } }
    func profile(tenant: TenantID, named name: String) async throws -> DeviceProfile? {
        profileList.withLock { $0.first { $0.tenantID == tenant && $0.name == name } }
    }
    func profile(provisionKey: String) async throws -> DeviceProfile? {
        profileList.withLock { $0.first { $0.provisionKey == provisionKey } }
    }

    func createDevice(_ device: Device) async throws {}
    func updateDevice(_ device: Device) async throws {}
    func device(tenant: TenantID, id: DeviceID) async throws -> Device? { nil }
    func device(tenant: TenantID, named name: String) async throws -> Device? { nil }
    func devices(tenant: TenantID, customer: CustomerID?, textSearch: String?, limit: Int, offset: Int) async throws -> [Device] { [] }
    func deviceCount(tenant: TenantID, customer: CustomerID?, textSearch: String?) async throws -> Int { 0 }
    func deleteDevice(tenant: TenantID, id: DeviceID) async throws -> Bool { false }
    func device(accessToken: String) async throws -> Device? { nil }
    func saveClaimOffer(device: DeviceID, offer: ClaimOffer) async throws {}
    func claimOffer(device: DeviceID) async throws -> ClaimOffer? { nil }
    func deleteClaimOffer(device: DeviceID) async throws {}
}
