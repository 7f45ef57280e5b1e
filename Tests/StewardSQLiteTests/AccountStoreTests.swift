import StewardCore
import StewardSQLite
import StewardStore
import Testing

@Suite struct AccountStoreTests {
    @Test func tenantsCreateReadListDelete() async throws {
        try await withStore { store in
            let acme = Tenant(name: "Acme", createdTime: 2)
            let zeta = Tenant(name: "Zeta", createdTime: 1)
            try await store.createTenant(acme)
            try await store.createTenant(zeta)

            #expect(try await store.tenant(id: acme.id) == acme)
            #expect(try await store.tenant(named: "Zeta") == zeta)
            #expect(try await store.tenant(named: "acme") == nil)
            #expect(try await store.tenant(id: TenantID()) == nil)
            #expect(try await store.tenants() == [zeta, acme])  // by created time

            #expect(try await store.deleteTenant(id: acme.id))
            #expect(try await store.deleteTenant(id: acme.id) == false)
            #expect(try await store.tenant(id: acme.id) == nil)
            #expect(try await store.tenants() == [zeta])
        }
    }

    @Test func tenantNamesAreUnique() async throws {
        try await withStore { store in
            try await store.createTenant(Tenant(name: "Acme", createdTime: 1))
            await #expect(throws: (any Error).self) { try await store.createTenant(Tenant(name: "Acme", createdTime: 2)) }
            #expect(try await store.tenants().count == 1)
        }
    }

    @Test func customersAreScopedToTheirTenant() async throws {
        try await withStore { store in
            let a = Tenant(name: "A", createdTime: 1), b = Tenant(name: "B", createdTime: 1)
            try await store.createTenant(a)
            try await store.createTenant(b)
            let c1 = Customer(tenantID: a.id, name: "Customer", createdTime: 1)
            let c2 = Customer(tenantID: a.id, name: "Other", createdTime: 2)
            let sameNameInB = Customer(tenantID: b.id, name: "Customer", createdTime: 3)
            try await store.createCustomer(c1)
            try await store.createCustomer(c2)
            try await store.createCustomer(sameNameInB)

            #expect(try await store.customers(tenant: a.id) == [c1, c2])
            #expect(try await store.customers(tenant: b.id) == [sameNameInB])
            #expect(try await store.customer(tenant: a.id, id: c1.id) == c1)
            #expect(try await store.customer(tenant: b.id, id: c1.id) == nil)
            #expect(try await store.customer(tenant: a.id, named: "Customer") == c1)
            #expect(try await store.customer(tenant: b.id, named: "Customer") == sameNameInB)
            #expect(try await store.customer(tenant: b.id, named: "Other") == nil)

            await #expect(throws: (any Error).self) {
                try await store.createCustomer(Customer(tenantID: a.id, name: "Customer", createdTime: 4))
            }
        }
    }

    @Test func customerNeedsAnExistingTenant() async throws {
        _ = try await withStore { store in
            await #expect(throws: (any Error).self) {
                try await store.createCustomer(Customer(tenantID: TenantID(), name: "Orphan", createdTime: 1))
            }
        }
    }

    @Test func usersRoundTripAndAreScoped() async throws {
        try await withStore { store in
            let a = Tenant(name: "A", createdTime: 1), b = Tenant(name: "B", createdTime: 1)
            try await store.createTenant(a)
            try await store.createTenant(b)
            let customer = Customer(tenantID: a.id, name: "C", createdTime: 1)
            try await store.createCustomer(customer)

            let admin = User(tenantID: nil, customerID: nil, email: "root@example.com", authority: .systemAdmin, createdTime: 1)
            let tenantAdmin = User(
                tenantID: a.id, customerID: nil, email: "alice@example.com", authority: .tenantAdmin, firstName: "Alice",
                lastName: "Liddell", createdTime: 2)
            let customerUser = User(
                tenantID: a.id, customerID: customer.id, email: "bob@example.com", authority: .customerUser, createdTime: 3)
            try await store.createUser(admin, passwordHash: "h0")
            try await store.createUser(tenantAdmin, passwordHash: "h1")
            try await store.createUser(customerUser, passwordHash: "h2")

            #expect(try await store.user(id: admin.id) == admin)
            #expect(try await store.user(id: tenantAdmin.id) == tenantAdmin)
            #expect(try await store.user(id: customerUser.id) == customerUser)
            #expect(try await store.user(tenant: a.id, id: tenantAdmin.id) == tenantAdmin)
            #expect(try await store.user(tenant: b.id, id: tenantAdmin.id) == nil)
            #expect(try await store.user(id: UserID()) == nil)
            #expect(try await store.users(tenant: a.id) == [tenantAdmin, customerUser])
            #expect(try await store.users(tenant: b.id) == [])
            #expect(try await store.userCount() == 3)

            let credentials = try #require(try await store.credentials(email: "alice@example.com"))
            #expect(credentials.user == tenantAdmin)
            #expect(credentials.passwordHash == "h1")
            #expect(try await store.credentials(email: "nobody@example.com") == nil)
        }
    }

    @Test func emailsAreUniqueIgnoringCase() async throws {
        try await withStore { store in
            try await store.createUser(
                User(tenantID: nil, customerID: nil, email: "root@example.com", authority: .systemAdmin, createdTime: 1),
                passwordHash: "h")
            await #expect(throws: (any Error).self) {
                try await store.createUser(
                    User(tenantID: nil, customerID: nil, email: "ROOT@Example.com", authority: .systemAdmin, createdTime: 2),
                    passwordHash: "h")
            }
            #expect(try await store.credentials(email: "Root@EXAMPLE.com")?.user.email == "root@example.com")
            #expect(try await store.userCount() == 1)
        }
    }

    @Test func deletingATenantRemovesItsCustomersAndUsers() async throws {
        try await withStore { store in
            let tenant = Tenant(name: "A", createdTime: 1)
            try await store.createTenant(tenant)
            let customer = Customer(tenantID: tenant.id, name: "C", createdTime: 1)
            try await store.createCustomer(customer)
            let user = User(tenantID: tenant.id, customerID: nil, email: "a@example.com", authority: .tenantAdmin, createdTime: 1)
            try await store.createUser(user, passwordHash: "h")

            #expect(try await store.deleteTenant(id: tenant.id))
            #expect(try await store.customer(tenant: tenant.id, id: customer.id) == nil)
            #expect(try await store.user(id: user.id) == nil)
            #expect(try await store.userCount() == 0)
        }
    }
}
