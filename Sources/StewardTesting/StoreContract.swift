import Foundation
import StewardCore
import StewardStore
import Testing

/// The store contract: what every backend's `AccountStore`, `DeviceStore`, `TelemetryStore` and `AttributeStore`
/// must do, written once against the protocols. Each function takes a backend, makes fresh stores with it and checks
/// one group of rules; a backend's test target calls each of them (see `StoreContractTests` in StewardSQLiteTests).
///
/// The assertions come from the SQLite tests that existed before the contract: they are what Steward does today.
public enum StoreContract {
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

    // MARK: - DeviceStore

    public static func deviceRoundTripsEveryField(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let tenant = Tenant(name: "A", createdTime: 1)
            try await s.accounts.createTenant(tenant)
            let customer = Customer(tenantID: tenant.id, name: "C", createdTime: 1)
            try await s.accounts.createCustomer(customer)
            let profile = DeviceProfile(tenantID: tenant.id, name: "default", createdTime: 1)
            try await s.devices.createProfile(profile)
            let device = Device(
                tenantID: tenant.id, customerID: customer.id, profileID: profile.id, name: "Gateway 7", type: "gw",
                label: "roof", isGateway: true, accessToken: "tok-7", createdTime: 1_700_000_000_123)
            try await s.devices.createDevice(device)

            #expect(try await s.devices.device(tenant: tenant.id, id: device.id) == device)
            #expect(try await s.devices.device(tenant: tenant.id, named: "Gateway 7") == device)
            #expect(try await s.devices.device(accessToken: "tok-7") == device)
            #expect(try await s.devices.device(accessToken: "tok-8") == nil)
            #expect(try await s.devices.device(tenant: tenant.id, named: "gateway 7") == nil)
        }
    }

    /// Another tenant's device ids are not found, by any store method that takes a tenant.
    public static func devicesAreInvisibleToOtherTenants(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let a = try await fixture(s, tenantName: "A")
            let b = Tenant(name: "B", createdTime: 1)
            try await s.accounts.createTenant(b)

            #expect(try await s.devices.device(tenant: b.id, id: a.device.id) == nil)
            #expect(try await s.devices.device(tenant: b.id, named: a.device.name) == nil)
            #expect(try await s.devices.devices(tenant: b.id, customer: nil, textSearch: nil, limit: 10, offset: 0) == [])
            #expect(try await s.devices.deviceCount(tenant: b.id, customer: nil, textSearch: nil) == 0)
            #expect(try await s.devices.deleteDevice(tenant: b.id, id: a.device.id) == false)
            #expect(try await s.devices.device(tenant: a.tenant.id, id: a.device.id) == a.device)

            try await write(s, a.device.id, "t", [(1, .long(1))])
            await expectStewardError(.notFound) { _ = try await s.telemetry.latest(tenant: b.id, device: a.device.id, keys: nil) }
            await expectStewardError(.notFound) {
                _ = try await s.telemetry.history(
                    tenant: b.id, device: a.device.id, query: TimeSeriesQuery(keys: ["t"], startTs: 0, endTs: 10))
            }
            await expectStewardError(.notFound) { _ = try await s.telemetry.timeSeriesKeys(tenant: b.id, device: a.device.id) }
            await expectStewardError(.notFound) {
                try await s.attributes.saveAttributes(
                    tenant: b.id, device: a.device.id, scope: .server, values: [KeyValue("x", .long(1))], ts: 1)
            }
            await expectStewardError(.notFound) {
                _ = try await s.attributes.attributes(tenant: b.id, device: a.device.id, scope: .server, keys: nil)
            }
            await expectStewardError(.notFound) {
                _ = try await s.attributes.deleteAttributes(tenant: b.id, device: a.device.id, scope: .server, keys: ["x"])
            }
            var moved = a.device
            moved.tenantID = b.id
            moved.name = "hijacked"
            await expectStewardError(.notFound) { try await s.devices.updateDevice(moved) }
            #expect(try await s.devices.device(tenant: a.tenant.id, id: a.device.id)?.name == a.device.name)
            // The tenant's own reading is still there.
            #expect(try await s.telemetry.latest(tenant: a.tenant.id, device: a.device.id, keys: nil) == ["t": TimeSeriesPoint(ts: 1, value: .long(1))])
        }
    }

    public static func tokensAreGloballyUniqueAndNamesUniquePerTenant(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let a = try await fixture(s, tenantName: "A")
            let b = Tenant(name: "B", createdTime: 1)
            try await s.accounts.createTenant(b)

            await #expect(throws: (any Error).self) {
                try await s.devices.createDevice(Device(tenantID: b.id, name: "other", accessToken: a.device.accessToken, createdTime: 1))
            }
            await #expect(throws: (any Error).self) {
                try await s.devices.createDevice(Device(tenantID: a.tenant.id, name: a.device.name, accessToken: "fresh", createdTime: 1))
            }
            // The same name in another tenant is fine.
            try await s.devices.createDevice(Device(tenantID: b.id, name: a.device.name, accessToken: "fresh", createdTime: 1))
            #expect(try await s.devices.device(tenant: b.id, named: a.device.name)?.accessToken == "fresh")
            #expect(try await s.devices.deviceCount(tenant: b.id, customer: nil, textSearch: nil) == 1)
        }
    }

    /// Newest first by created time, then by insertion (newest first) for equal times; `limit` and `offset` page.
    public static func listingPagesNewestFirstAndCounts(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let tenant = Tenant(name: "A", createdTime: 1)
            try await s.accounts.createTenant(tenant)
            for n in 1...5 {
                try await s.devices.createDevice(
                    Device(tenantID: tenant.id, name: "dev-\(n)", accessToken: "tok-\(n)", createdTime: Int64(n) * 100))
            }
            func page(_ limit: Int, _ offset: Int) async throws -> [String] {
                try await s.devices.devices(tenant: tenant.id, customer: nil, textSearch: nil, limit: limit, offset: offset).map(\.name)
            }
            #expect(try await page(2, 0) == ["dev-5", "dev-4"])
            #expect(try await page(2, 2) == ["dev-3", "dev-2"])
            #expect(try await page(2, 4) == ["dev-1"])
            #expect(try await page(2, 6) == [])
            #expect(try await page(10, 0) == ["dev-5", "dev-4", "dev-3", "dev-2", "dev-1"])
            #expect(try await s.devices.deviceCount(tenant: tenant.id, customer: nil, textSearch: nil) == 5)

            let other = Tenant(name: "B", createdTime: 1)
            try await s.accounts.createTenant(other)
            for n in 1...3 {
                try await s.devices.createDevice(Device(tenantID: other.id, name: "d\(n)", accessToken: "t\(n)", createdTime: 5))
            }
            let names = try await s.devices.devices(tenant: other.id, customer: nil, textSearch: nil, limit: 10, offset: 0).map(\.name)
            #expect(names == ["d3", "d2", "d1"])
        }
    }

    /// Case-insensitive substring search on the name; `%` and `_` are plain characters.
    public static func textSearchMatchesSubstringsAndEscapesWildcards(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let tenant = Tenant(name: "A", createdTime: 1)
            try await s.accounts.createTenant(tenant)
            for (n, name) in ["Boiler Room", "boiler-2", "pump", "a_b", "axb", "100%", "1000"].enumerated() {
                try await s.devices.createDevice(Device(tenantID: tenant.id, name: name, accessToken: "t\(n)", createdTime: Int64(n)))
            }
            func search(_ text: String?) async throws -> Set<String> {
                Set(try await s.devices.devices(tenant: tenant.id, customer: nil, textSearch: text, limit: 100, offset: 0).map(\.name))
            }
            #expect(try await search("boiler") == ["Boiler Room", "boiler-2"])
            #expect(try await search("ROOM") == ["Boiler Room"])
            #expect(try await search("a_b") == ["a_b"])
            #expect(try await search("_") == ["a_b"])
            #expect(try await search("%") == ["100%"])
            #expect(try await search("zzz") == [])
            #expect(try await search("").count == 7)
            #expect(try await search(nil).count == 7)
            #expect(try await s.devices.deviceCount(tenant: tenant.id, customer: nil, textSearch: "boiler") == 2)
            #expect(try await s.devices.deviceCount(tenant: tenant.id, customer: nil, textSearch: "_") == 1)
        }
    }

    public static func customerFilter(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let tenant = Tenant(name: "A", createdTime: 1)
            try await s.accounts.createTenant(tenant)
            let customer = Customer(tenantID: tenant.id, name: "C", createdTime: 1)
            try await s.accounts.createCustomer(customer)
            try await s.devices.createDevice(
                Device(tenantID: tenant.id, customerID: customer.id, name: "owned", accessToken: "t1", createdTime: 1))
            try await s.devices.createDevice(Device(tenantID: tenant.id, name: "free", accessToken: "t2", createdTime: 2))

            let owned = try await s.devices.devices(tenant: tenant.id, customer: customer.id, textSearch: nil, limit: 10, offset: 0)
            #expect(owned.map(\.name) == ["owned"])
            #expect(try await s.devices.deviceCount(tenant: tenant.id, customer: customer.id, textSearch: nil) == 1)
            #expect(try await s.devices.deviceCount(tenant: tenant.id, customer: CustomerID(), textSearch: nil) == 0)
        }
    }

    public static func updateChangesTheDevice(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let f = try await fixture(s)
            let customer = Customer(tenantID: f.tenant.id, name: "C", createdTime: 1)
            try await s.accounts.createCustomer(customer)
            var device = f.device
            device.name = "renamed"
            device.label = "new label"
            device.customerID = customer.id
            device.accessToken = "rotated"
            device.isGateway = true
            try await s.devices.updateDevice(device)

            #expect(try await s.devices.device(tenant: f.tenant.id, id: device.id) == device)
            #expect(try await s.devices.device(tenant: f.tenant.id, named: "renamed") == device)
            #expect(try await s.devices.device(accessToken: f.device.accessToken) == nil)
            #expect(try await s.devices.device(accessToken: "rotated")?.id == device.id)
            await expectStewardError(.notFound) {
                try await s.devices.updateDevice(Device(tenantID: f.tenant.id, name: "ghost", accessToken: "g", createdTime: 1))
            }
        }
    }

    /// Deleting a device deletes its telemetry, attributes and claim offer; a device created afterwards starts empty.
    public static func deleteRemovesTheDeviceAndItsData(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let f = try await fixture(s)
            try await write(s, f.device.id, "temperature", [(100, .double(21.5)), (200, .double(22))])
            try await s.attributes.saveAttributes(
                tenant: f.tenant.id, device: f.device.id, scope: .client, values: [KeyValue("fw", .string("1.0"))], ts: 5)
            try await s.attributes.saveAttributes(
                tenant: f.tenant.id, device: f.device.id, scope: .shared, values: [KeyValue("target", .long(20))], ts: 5)
            try await s.devices.saveClaimOffer(device: f.device.id, offer: ClaimOffer(secretKey: "s", expiresAt: 1_000))

            #expect(try await s.devices.deleteDevice(tenant: f.tenant.id, id: f.device.id))
            #expect(try await s.devices.deleteDevice(tenant: f.tenant.id, id: f.device.id) == false)
            #expect(try await s.devices.device(tenant: f.tenant.id, id: f.device.id) == nil)
            #expect(try await s.devices.device(accessToken: f.device.accessToken) == nil)
            #expect(try await s.devices.claimOffer(device: f.device.id) == nil)
            await expectStewardError(.notFound) { _ = try await s.telemetry.latest(tenant: f.tenant.id, device: f.device.id, keys: nil) }

            let next = Device(tenantID: f.tenant.id, name: "next", accessToken: "next-token", createdTime: 20)
            try await s.devices.createDevice(next)
            #expect(try await s.telemetry.latest(tenant: f.tenant.id, device: next.id, keys: nil) == [:])
            #expect(try await s.telemetry.timeSeriesKeys(tenant: f.tenant.id, device: next.id) == [])
            let history = try await s.telemetry.history(
                tenant: f.tenant.id, device: next.id, query: TimeSeriesQuery(keys: ["temperature"], startTs: 0, endTs: 1_000))
            #expect(history == [:])
            for scope in AttributeScope.allCases {
                #expect(try await s.attributes.attributes(tenant: f.tenant.id, device: next.id, scope: scope, keys: nil) == [])
            }
            #expect(try await s.devices.claimOffer(device: next.id) == nil)
        }
    }

    public static func profilesCreateListAndLookUpByProvisionKey(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let a = Tenant(name: "A", createdTime: 1), b = Tenant(name: "B", createdTime: 1)
            try await s.accounts.createTenant(a)
            try await s.accounts.createTenant(b)
            let plain = DeviceProfile(tenantID: a.id, name: "default", createdTime: 1)
            let provisioned = DeviceProfile(
                tenantID: a.id, name: "meters", provisionKey: "key-1", provisionSecret: "secret-1",
                provisionStrategy: .checkPreProvisionedDevices, createdTime: 2)
            try await s.devices.createProfile(plain)
            try await s.devices.createProfile(provisioned)

            #expect(try await s.devices.profiles(tenant: a.id) == [plain, provisioned])
            #expect(try await s.devices.profiles(tenant: b.id) == [])
            #expect(try await s.devices.profile(tenant: a.id, named: "meters") == provisioned)
            #expect(try await s.devices.profile(tenant: b.id, named: "meters") == nil)
            #expect(try await s.devices.profile(provisionKey: "key-1") == provisioned)
            #expect(try await s.devices.profile(provisionKey: "nope") == nil)

            await #expect(throws: (any Error).self) {
                try await s.devices.createProfile(DeviceProfile(tenantID: a.id, name: "default", createdTime: 3))
            }
            await #expect(throws: (any Error).self) {
                try await s.devices.createProfile(DeviceProfile(tenantID: b.id, name: "x", provisionKey: "key-1", createdTime: 3))
            }
            // Several profiles without a provision key are fine.
            try await s.devices.createProfile(DeviceProfile(tenantID: b.id, name: "default", createdTime: 3))
            try await s.devices.createProfile(DeviceProfile(tenantID: b.id, name: "second", createdTime: 4))
            #expect(try await s.devices.profiles(tenant: b.id).count == 2)
        }
    }

    public static func claimOffersSaveReplaceDelete(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let f = try await fixture(s)
            #expect(try await s.devices.claimOffer(device: f.device.id) == nil)
            try await s.devices.saveClaimOffer(device: f.device.id, offer: ClaimOffer(secretKey: "s1", expiresAt: 100))
            #expect(try await s.devices.claimOffer(device: f.device.id) == ClaimOffer(secretKey: "s1", expiresAt: 100))
            try await s.devices.saveClaimOffer(device: f.device.id, offer: ClaimOffer(secretKey: "", expiresAt: 200))
            #expect(try await s.devices.claimOffer(device: f.device.id) == ClaimOffer(secretKey: "", expiresAt: 200))
            try await s.devices.deleteClaimOffer(device: f.device.id)
            #expect(try await s.devices.claimOffer(device: f.device.id) == nil)
            try await s.devices.deleteClaimOffer(device: f.device.id)  // deleting nothing is fine

            await expectStewardError(.notFound) {
                try await s.devices.saveClaimOffer(device: DeviceID(), offer: ClaimOffer(secretKey: "s", expiresAt: 1))
            }
            #expect(try await s.devices.claimOffer(device: DeviceID()) == nil)
        }
    }

    // MARK: - TelemetryStore (readings in through TelemetryWriter)

    /// The latest value of a key is the reading with the newest timestamp, not the last one written: across writes,
    /// within one batch and across the batches of one group. A newer reading replaces it, even of another type; the
    /// same timestamp overwrites.
    public static func latestIsTheNewestReading(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let f = try await fixture(s)
            func latest(_ keys: [String]? = nil) async throws -> [String: TimeSeriesPoint] {
                try await s.telemetry.latest(tenant: f.tenant.id, device: f.device.id, keys: keys)
            }
            try await write(s, f.device.id, "t", [(200, .long(2))])
            try await write(s, f.device.id, "t", [(100, .long(1))])  // late, older reading
            #expect(try await latest() == ["t": TimeSeriesPoint(ts: 200, value: .long(2))])
            #expect(try await history(s, f, ["t"], 0, 1_000, ascending: true)["t"] == points([(100, .long(1)), (200, .long(2))]))

            try await write(s, f.device.id, "u", [(300, .long(3)), (100, .long(1)), (200, .long(2))])
            #expect(try await latest(["u"])["u"] == TimeSeriesPoint(ts: 300, value: .long(3)))

            try s.telemetry.append([
                TelemetryBatch(device: f.device.id, entries: [TimedValues(ts: 500, values: [KeyValue("g", .long(5))])]),
                TelemetryBatch(device: f.device.id, entries: [TimedValues(ts: 400, values: [KeyValue("g", .long(4))])]),
            ])
            #expect(try await latest()["g"] == TimeSeriesPoint(ts: 500, value: .long(5)))

            try await write(s, f.device.id, "t", [(250, .string("offline"))])
            #expect(try await latest(["t"])["t"] == TimeSeriesPoint(ts: 250, value: .string("offline")))

            try await write(s, f.device.id, "t", [(250, .double(1.5))])
            #expect(try await latest(["t"])["t"] == TimeSeriesPoint(ts: 250, value: .double(1.5)))
            #expect(try await history(s, f, ["t"], 250, 251)["t"] == points([(250, .double(1.5))]))
        }
    }

    public static func latestFiltersKeysAndListsTimeSeriesKeys(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let f = try await fixture(s)
            #expect(try await s.telemetry.latest(tenant: f.tenant.id, device: f.device.id, keys: nil) == [:])
            #expect(try await s.telemetry.timeSeriesKeys(tenant: f.tenant.id, device: f.device.id) == [])
            try await s.writer.write(
                TelemetryBatch(
                    device: f.device.id,
                    entries: [TimedValues(ts: 10, values: [KeyValue("a", .long(1)), KeyValue("b", .bool(true)), KeyValue("c", .string("x"))])]))
            let some = try await s.telemetry.latest(tenant: f.tenant.id, device: f.device.id, keys: ["a", "c", "missing"])
            #expect(some == ["a": TimeSeriesPoint(ts: 10, value: .long(1)), "c": TimeSeriesPoint(ts: 10, value: .string("x"))])
            #expect(try await s.telemetry.latest(tenant: f.tenant.id, device: f.device.id, keys: []) == [:])
            #expect(try await s.telemetry.latest(tenant: f.tenant.id, device: f.device.id, keys: nil).count == 3)
            #expect(try await s.telemetry.timeSeriesKeys(tenant: f.tenant.id, device: f.device.id) == ["a", "b", "c"])
        }
    }

    public static func devicesDoNotSeeEachOthersReadings(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let f = try await fixture(s)
            let other = Device(tenantID: f.tenant.id, name: "other", accessToken: "other-token", createdTime: 1)
            try await s.devices.createDevice(other)
            try await write(s, f.device.id, "t", [(1, .long(1))])
            try await write(s, other.id, "u", [(2, .long(2))])
            #expect(try await s.telemetry.timeSeriesKeys(tenant: f.tenant.id, device: f.device.id) == ["t"])
            #expect(try await s.telemetry.timeSeriesKeys(tenant: f.tenant.id, device: other.id) == ["u"])
            #expect(try await s.telemetry.latest(tenant: f.tenant.id, device: other.id, keys: ["t"]) == [:])
            #expect(try await history(s, f, ["u"], 0, 10) == [:])
        }
    }

    /// `append` commits a group in one transaction: a batch for an unknown device refuses the whole group (not found),
    /// and the good batch can be appended again on its own. The writer fails just that submitter.
    public static func appendIsAllOrNothing(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let f = try await fixture(s)
            try await write(s, f.device.id, "known", [(1, .long(1))])
            let good = TelemetryBatch(
                device: f.device.id, entries: [TimedValues(ts: 5, values: [KeyValue("known", .long(2)), KeyValue("fresh", .long(42))])])
            await expectStewardError(.notFound) {
                try s.telemetry.append([
                    good, TelemetryBatch(device: DeviceID(), entries: [TimedValues(ts: 2, values: [KeyValue("ghost", .long(1))])]),
                ])
            }
            #expect(try await history(s, f, ["known", "fresh"], 0, 10) == ["known": points([(1, .long(1))])])
            #expect(try await s.telemetry.timeSeriesKeys(tenant: f.tenant.id, device: f.device.id) == ["known"])

            try s.telemetry.append([good])
            #expect(try await history(s, f, ["fresh"], 0, 10)["fresh"] == points([(5, .long(42))]))
            #expect(try await s.telemetry.timeSeriesKeys(tenant: f.tenant.id, device: f.device.id) == ["fresh", "known"])

            await expectStewardError(.notFound) {
                try await s.writer.write(
                    TelemetryBatch(device: DeviceID(), entries: [TimedValues(ts: 2, values: [KeyValue("ghost", .long(1))])]))
            }
            try await write(s, f.device.id, "later", [(6, .string("other"))])
            #expect(try await history(s, f, ["later"], 0, 10)["later"] == points([(6, .string("other"))]))
        }
    }

    /// Every kind of value comes back exactly as written, as telemetry (latest and history) and as an attribute.
    public static func valuesRoundTripExactly(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let f = try await fixture(s)
            for (n, value) in roundTripValues.enumerated() {
                let key = "k\(n)"
                try await write(s, f.device.id, key, [(42, value)])
                #expect(try await s.telemetry.latest(tenant: f.tenant.id, device: f.device.id, keys: [key])[key] == TimeSeriesPoint(ts: 42, value: value))
                #expect(try await history(s, f, [key], 0, 100)[key] == [TimeSeriesPoint(ts: 42, value: value)])
                try await s.attributes.saveAttributes(tenant: f.tenant.id, device: f.device.id, scope: .shared, values: [KeyValue(key, value)], ts: 9)
                let entries = try await s.attributes.attributes(tenant: f.tenant.id, device: f.device.id, scope: .shared, keys: [key])
                #expect(entries == [AttributeEntry(key: key, value: value, lastUpdateTs: 9)])
            }
            try await write(s, f.device.id, "mixed", [(1, .long(3)), (2, .double(3.0))])
            #expect(try await history(s, f, ["mixed"], 0, 10, ascending: true)["mixed"] == points([(1, .long(3)), (2, .double(3.0))]))
        }
    }

    /// Raw history: `[startTs, endTs)`, newest first unless ascending, `limit` points per key in the requested order,
    /// keys without points absent.
    public static func rawHistoryRangesOrderAndLimits(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let f = try await fixture(s)
            try await write(s, f.device.id, "v", (1...10).map { (Int64($0) * 100, KVValue.long(Int64($0))) })

            let range = try await history(s, f, ["v"], 200, 500)
            #expect(range["v"]?.map(\.ts) == [400, 300, 200])
            #expect(range["v"]?.map(\.value) == [.long(4), .long(3), .long(2)])
            #expect(try await history(s, f, ["v"], 200, 500, ascending: true)["v"]?.map(\.ts) == [200, 300, 400])

            #expect(try await history(s, f, ["v"], 0, 10_000, limit: 3)["v"]?.map(\.ts) == [1000, 900, 800])
            #expect(try await history(s, f, ["v"], 0, 10_000, limit: 3, ascending: true)["v"]?.map(\.ts) == [100, 200, 300])
            #expect(try await history(s, f, ["v"], 0, 10_000, limit: 100)["v"]?.count == 10)

            #expect(try await history(s, f, ["v"], 100, 101)["v"]?.map(\.ts) == [100])
            #expect(try await history(s, f, ["v"], 101, 200) == [:])
            #expect(try await history(s, f, ["v"], 1000, 1001)["v"]?.map(\.ts) == [1000])

            try await write(s, f.device.id, "w", [(5_000, .long(1))])
            let absent = try await history(s, f, ["v", "w", "never"], 0, 1_001)
            #expect(Set(absent.keys) == ["v"])
            #expect(absent["v"]?.count == 10)

            try await write(s, f.device.id, "w", [(100, .long(1)), (200, .long(2)), (300, .long(3))])
            let perKey = try await history(s, f, ["v", "w"], 0, 1_001, limit: 2)
            #expect(perKey["v"]?.map(\.ts) == [1000, 900])
            #expect(perKey["w"]?.map(\.ts) == [300, 200])
        }
    }

    /// A query out of range is refused as a bad request before anything is read.
    public static func historyRefusesAnInvalidQuery(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let f = try await fixture(s)
            await expectStewardError(.badRequest) { _ = try await history(s, f, ["v"], 500, 100) }
            await expectStewardError(.badRequest) { _ = try await history(s, f, ["v"], 0, 10, limit: 0) }
            await expectStewardError(.badRequest) { _ = try await history(s, f, ["v"], -1, 10) }
            await expectStewardError(.badRequest) { _ = try await history(s, f, ["v"], 0, 1_000_000, interval: 1, aggregation: .avg) }
        }
    }

    /// Aggregation buckets of `interval` from `startTs`, each stamped with its middle (the last one clamped at
    /// `endTs`); empty buckets omitted; COUNT counts every reading, SUM keeps longs long (mixed becomes double), AVG
    /// is a double, MIN/MAX keep the winning type; interval 0 is one bucket; booleans, JSON and strings only count.
    public static func aggregationBuckets(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let f = try await fixture(s)
            // Buckets of 20 ms over [0, 100): middles 10, 30, 50, 70, 90; [60,80) stays empty, [40,60) holds a string.
            try await write(
                s, f.device.id, "v",
                [
                    (1, .long(10)), (2, .long(20)), (30, .long(5)), (31, .double(2.5)), (55, .string("y")),
                    (81, .long(7)), (85, .string("x")), (100, .long(1_000)),
                ])
            func aggregate(_ aggregation: Aggregation, interval: Int64 = 20, end: Int64 = 100, ascending: Bool = true)
                async throws -> [TimeSeriesPoint]?
            {
                try await history(s, f, ["v"], 0, end, interval: interval, aggregation: aggregation, ascending: ascending)["v"]
            }
            #expect(try await aggregate(.count) == points([(10, .long(2)), (30, .long(2)), (50, .long(1)), (90, .long(2))]))
            #expect(try await aggregate(.sum) == points([(10, .long(30)), (30, .double(7.5)), (90, .long(7))]))
            #expect(try await aggregate(.avg) == points([(10, .double(15)), (30, .double(3.75)), (90, .double(7))]))
            #expect(try await aggregate(.min) == points([(10, .long(10)), (30, .double(2.5)), (90, .long(7))]))
            #expect(try await aggregate(.max) == points([(10, .long(20)), (30, .double(5)), (90, .long(7))]))
            #expect(try await aggregate(.count, ascending: false)?.map(\.ts) == [90, 50, 30, 10])
            #expect(try await aggregate(.count, interval: 40, end: 90) == points([(20, .long(4)), (60, .long(1)), (85, .long(2))]))
            #expect(try await aggregate(.count, interval: 0) == points([(50, .long(7))]))
            #expect(try await aggregate(.sum, interval: 0) == points([(50, .double(44.5))]))
            #expect(try await aggregate(.min, interval: 0) == points([(50, .double(2.5))]))
            #expect(try await aggregate(.max, interval: 0) == points([(50, .double(20))]))
            #expect(
                try await history(s, f, ["v"], 25, 100, interval: 25, aggregation: .count, ascending: true)["v"]
                    == points([(37, .long(2)), (62, .long(1)), (87, .long(2))]))

            try await write(s, f.device.id, "s", [(1, .bool(true)), (2, .json("{}")), (3, .string("5"))])
            #expect(try await history(s, f, ["s"], 0, 10, interval: 10, aggregation: .count)["s"] == points([(5, .long(3))]))
            for aggregation in [Aggregation.sum, .avg, .min, .max] {
                #expect(try await history(s, f, ["s"], 0, 10, interval: 10, aggregation: aggregation) == [:])
            }

            let big: Int64 = 4_000_000_000_000_000_001
            try await write(s, f.device.id, "n", [(1, .long(big)), (2, .long(1))])
            #expect(try await history(s, f, ["n"], 0, 10, aggregation: .sum)["n"] == points([(5, .long(big + 1))]))
        }
    }

    // MARK: - AttributeStore

    public static func attributesSaveReadFilterOverwriteAndDelete(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let f = try await fixture(s)
            let a = s.attributes
            try await a.saveAttributes(
                tenant: f.tenant.id, device: f.device.id, scope: .client, values: [KeyValue("b", .string("x")), KeyValue("a", .long(1))], ts: 10)
            #expect(
                try await a.attributes(tenant: f.tenant.id, device: f.device.id, scope: .client, keys: nil)
                    == [AttributeEntry(key: "a", value: .long(1), lastUpdateTs: 10), AttributeEntry(key: "b", value: .string("x"), lastUpdateTs: 10)])
            #expect(
                try await a.attributes(tenant: f.tenant.id, device: f.device.id, scope: .client, keys: ["b", "zz"])
                    == [AttributeEntry(key: "b", value: .string("x"), lastUpdateTs: 10)])
            #expect(try await a.attributes(tenant: f.tenant.id, device: f.device.id, scope: .client, keys: []) == [])
            try await a.saveAttributes(tenant: f.tenant.id, device: f.device.id, scope: .client, values: [KeyValue("a", .bool(false))], ts: 20)
            #expect(
                try await a.attributes(tenant: f.tenant.id, device: f.device.id, scope: .client, keys: nil)
                    == [AttributeEntry(key: "a", value: .bool(false), lastUpdateTs: 20), AttributeEntry(key: "b", value: .string("x"), lastUpdateTs: 10)])
            // Attributes are not telemetry.
            #expect(try await s.telemetry.timeSeriesKeys(tenant: f.tenant.id, device: f.device.id) == [])

            for (n, scope) in AttributeScope.allCases.enumerated() {
                try await a.saveAttributes(tenant: f.tenant.id, device: f.device.id, scope: scope, values: [KeyValue("k", .long(Int64(n)))], ts: 1)
            }
            for (n, scope) in AttributeScope.allCases.enumerated() {
                let entries = try await a.attributes(tenant: f.tenant.id, device: f.device.id, scope: scope, keys: ["k"])
                #expect(entries == [AttributeEntry(key: "k", value: .long(Int64(n)), lastUpdateTs: 1)])
            }

            try await a.saveAttributes(
                tenant: f.tenant.id, device: f.device.id, scope: .shared, values: [KeyValue("a", .long(1)), KeyValue("b", .long(2))], ts: 1)
            try await a.saveAttributes(tenant: f.tenant.id, device: f.device.id, scope: .server, values: [KeyValue("a", .long(3))], ts: 1)
            #expect(try await a.deleteAttributes(tenant: f.tenant.id, device: f.device.id, scope: .shared, keys: ["a", "nope"]) == ["a"])
            #expect(try await a.attributes(tenant: f.tenant.id, device: f.device.id, scope: .shared, keys: nil).map(\.key) == ["b", "k"])
            #expect(try await a.attributes(tenant: f.tenant.id, device: f.device.id, scope: .server, keys: nil).map(\.key) == ["a", "k"])
            #expect(try await a.deleteAttributes(tenant: f.tenant.id, device: f.device.id, scope: .shared, keys: ["a"]) == [])
        }
    }

    // MARK: - Helpers

    static let roundTripValues: [KVValue] = [
        .bool(true), .bool(false),
        .long(0), .long(-1), .long(.max), .long(.min),
        .double(3.0), .double(-0.5), .double(0.1), .double(1e300), .double(-2.2250738585072014e-308),
        .string("007"), .string(""), .string("3.5"), .string("true"), .string("héllo 😀 \"quoted\"\n"),
        .json(#"{"a":1,"b":[true,null]}"#), .json("[]"), .json("[1,2.50]"),
    ]

    struct Fixture {
        let tenant: Tenant
        let device: Device
    }

    /// A tenant with one device, the starting point of most contract functions.
    static func fixture(_ s: StoresUnderTest, tenantName: String = "Acme", deviceName: String = "sensor-1") async throws -> Fixture {
        let tenant = Tenant(name: tenantName, createdTime: 1)
        try await s.accounts.createTenant(tenant)
        let device = Device(tenantID: tenant.id, name: deviceName, accessToken: "token-\(UUID().uuidString)", createdTime: 10)
        try await s.devices.createDevice(device)
        return Fixture(tenant: tenant, device: device)
    }

    /// Writes readings of one key, as (ts, value) pairs, in one batch through the writer, and waits until durable.
    static func write(_ s: StoresUnderTest, _ device: DeviceID, _ key: String, _ readings: [(Int64, KVValue)]) async throws {
        try await s.writer.write(
            TelemetryBatch(device: device, entries: readings.map { TimedValues(ts: $0.0, values: [KeyValue(key, $0.1)]) }))
    }

    static func history(
        _ s: StoresUnderTest, _ f: Fixture, _ keys: [String], _ start: Int64, _ end: Int64, interval: Int64 = 0,
        aggregation: Aggregation = .none, limit: Int = 100, ascending: Bool = false
    ) async throws -> [String: [TimeSeriesPoint]] {
        try await s.telemetry.history(
            tenant: f.tenant.id, device: f.device.id,
            query: TimeSeriesQuery(
                keys: keys, startTs: start, endTs: end, interval: interval, aggregation: aggregation, limit: limit, ascending: ascending))
    }

    static func points(_ pairs: [(Int64, KVValue)]) -> [TimeSeriesPoint] {
        pairs.map { TimeSeriesPoint(ts: $0.0, value: $0.1) }
    }

    /// Expects `body` to throw a StewardError of `kind`.
    static func expectStewardError(
        _ kind: StewardError.Kind, sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> Void
    ) async {
        do {
            try await body()
            Issue.record("expected StewardError.\(kind), nothing was thrown", sourceLocation: sourceLocation)
        } catch let error as StewardError {
            #expect(error.kind == kind, sourceLocation: sourceLocation)
        } catch {
            Issue.record("expected StewardError.\(kind), got \(error)", sourceLocation: sourceLocation)
        }
    }
}
