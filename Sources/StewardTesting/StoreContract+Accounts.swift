import Foundation
import StewardCore
import StewardStore
import Testing

extension StoreContract {
    // MARK: - AccountStore

    public static func tenantsCreateReadListDelete(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let acme = Tenant(name: "Acme", createdTime: 2)
            let zeta = Tenant(name: "Zeta", createdTime: 1)
            try await s.accounts.createTenant(acme)
            try await s.accounts.createTenant(zeta)

            #expect(try await s.accounts.tenant(id: acme.id) == acme)
            #expect(try await s.accounts.tenant(named: "Zeta") == zeta)
            #expect(try await s.accounts.tenant(named: "acme") == nil)
            #expect(try await s.accounts.tenant(id: TenantID()) == nil)
            #expect(try await s.accounts.tenants() == [zeta, acme])  // by created time

            #expect(try await s.accounts.deleteTenant(id: acme.id))
            #expect(try await s.accounts.deleteTenant(id: acme.id) == false)
            #expect(try await s.accounts.tenant(id: acme.id) == nil)
            #expect(try await s.accounts.tenants() == [zeta])
        }
    }

    public static func tenantNamesAreUnique(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            try await s.accounts.createTenant(Tenant(name: "Acme", createdTime: 1))
            await #expect(throws: (any Error).self) { try await s.accounts.createTenant(Tenant(name: "Acme", createdTime: 2)) }
            #expect(try await s.accounts.tenants().count == 1)
        }
    }

    public static func customersAreScopedToTheirTenant(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let a = Tenant(name: "A", createdTime: 1), b = Tenant(name: "B", createdTime: 1)
            try await s.accounts.createTenant(a)
            try await s.accounts.createTenant(b)
            let c1 = Customer(tenantID: a.id, name: "Customer", createdTime: 1)
            let c2 = Customer(tenantID: a.id, name: "Other", createdTime: 2)
            let sameNameInB = Customer(tenantID: b.id, name: "Customer", createdTime: 3)
            try await s.accounts.createCustomer(c1)
            try await s.accounts.createCustomer(c2)
            try await s.accounts.createCustomer(sameNameInB)

            #expect(try await s.accounts.customers(tenant: a.id) == [c1, c2])
            #expect(try await s.accounts.customers(tenant: b.id) == [sameNameInB])
            #expect(try await s.accounts.customer(tenant: a.id, id: c1.id) == c1)
            #expect(try await s.accounts.customer(tenant: b.id, id: c1.id) == nil)
            #expect(try await s.accounts.customer(tenant: a.id, named: "Customer") == c1)
            #expect(try await s.accounts.customer(tenant: b.id, named: "Customer") == sameNameInB)
            #expect(try await s.accounts.customer(tenant: b.id, named: "Other") == nil)

            await #expect(throws: (any Error).self) {
                try await s.accounts.createCustomer(Customer(tenantID: a.id, name: "Customer", createdTime: 4))
            }
            await #expect(throws: (any Error).self) {
                try await s.accounts.createCustomer(Customer(tenantID: TenantID(), name: "Orphan", createdTime: 1))
            }
        }
    }

    public static func usersRoundTripAndAreScoped(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let a = Tenant(name: "A", createdTime: 1), b = Tenant(name: "B", createdTime: 1)
            try await s.accounts.createTenant(a)
            try await s.accounts.createTenant(b)
            let customer = Customer(tenantID: a.id, name: "C", createdTime: 1)
            try await s.accounts.createCustomer(customer)

            let admin = User(tenantID: nil, customerID: nil, email: "root@example.com", authority: .systemAdmin, createdTime: 1)
            let tenantAdmin = User(
                tenantID: a.id, customerID: nil, email: "alice@example.com", authority: .tenantAdmin, firstName: "Alice",
                lastName: "Liddell", createdTime: 2)
            let customerUser = User(
                tenantID: a.id, customerID: customer.id, email: "bob@example.com", authority: .customerUser, createdTime: 3)
            try await s.accounts.createUser(admin, passwordHash: "h0")
            try await s.accounts.createUser(tenantAdmin, passwordHash: "h1")
            try await s.accounts.createUser(customerUser, passwordHash: "h2")

            #expect(try await s.accounts.user(id: admin.id) == admin)
            #expect(try await s.accounts.user(id: tenantAdmin.id) == tenantAdmin)
            #expect(try await s.accounts.user(id: customerUser.id) == customerUser)
            #expect(try await s.accounts.user(tenant: a.id, id: tenantAdmin.id) == tenantAdmin)
            #expect(try await s.accounts.user(tenant: b.id, id: tenantAdmin.id) == nil)
            #expect(try await s.accounts.user(id: UserID()) == nil)
            #expect(try await s.accounts.users(tenant: a.id) == [tenantAdmin, customerUser])
            #expect(try await s.accounts.users(tenant: b.id) == [])
            #expect(try await s.accounts.userCount() == 3)

            let credentials = try #require(try await s.accounts.credentials(email: "alice@example.com"))
            #expect(credentials.user == tenantAdmin)
            #expect(credentials.passwordHash == "h1")
            #expect(try await s.accounts.credentials(email: "nobody@example.com") == nil)
        }
    }

    public static func emailsAreUniqueIgnoringCase(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            try await s.accounts.createUser(
                User(tenantID: nil, customerID: nil, email: "root@example.com", authority: .systemAdmin, createdTime: 1),
                passwordHash: "h")
            await #expect(throws: (any Error).self) {
                try await s.accounts.createUser(
                    User(tenantID: nil, customerID: nil, email: "ROOT@Example.com", authority: .systemAdmin, createdTime: 2),
                    passwordHash: "h")
            }
            #expect(try await s.accounts.credentials(email: "Root@EXAMPLE.com")?.user.email == "root@example.com")
            #expect(try await s.accounts.userCount() == 1)
        }
    }

    /// Deleting a tenant deletes its customers, users and devices, and the devices' readings and attributes: a device
    /// created afterwards, in another tenant, starts empty.
    public static func deletingATenantRemovesEverythingItOwns(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let f = try await fixture(s, tenantName: "Old")
            let customer = Customer(tenantID: f.tenant.id, name: "C", createdTime: 1)
            try await s.accounts.createCustomer(customer)
            let user = User(tenantID: f.tenant.id, customerID: nil, email: "a@example.com", authority: .tenantAdmin, createdTime: 1)
            try await s.accounts.createUser(user, passwordHash: "h")
            try await write(s, f.device.id, "secret", [(100, .string("tenant A data"))])
            try await s.attributes.saveAttributes(
                tenant: f.tenant.id, device: f.device.id, scope: .server, values: [KeyValue("k", .string("A"))], ts: 5)

            #expect(try await s.accounts.deleteTenant(id: f.tenant.id))
            #expect(try await s.accounts.customer(tenant: f.tenant.id, id: customer.id) == nil)
            #expect(try await s.accounts.user(id: user.id) == nil)
            #expect(try await s.accounts.userCount() == 0)
            #expect(try await s.devices.device(accessToken: f.device.accessToken) == nil)
            #expect(try await s.devices.device(tenant: f.tenant.id, id: f.device.id) == nil)

            let other = Tenant(name: "New", createdTime: 2)
            try await s.accounts.createTenant(other)
            let fresh = Device(tenantID: other.id, name: "fresh", accessToken: "fresh-token", createdTime: 3)
            try await s.devices.createDevice(fresh)
            #expect(try await s.telemetry.latest(tenant: other.id, device: fresh.id, keys: nil) == [:])
            #expect(try await s.telemetry.timeSeriesKeys(tenant: other.id, device: fresh.id) == [])
            #expect(try await s.attributes.attributes(tenant: other.id, device: fresh.id, scope: .server, keys: nil) == [])
        }
    }
}
