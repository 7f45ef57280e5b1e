import StewardCore
import StewardSQLite
import StewardStore
import Testing

@Suite struct DeviceStoreTests {
    @Test func deviceRoundTripsEveryField() async throws {
        try await withStore { store in
            let tenant = Tenant(name: "A", createdTime: 1)
            try await store.createTenant(tenant)
            let customer = Customer(tenantID: tenant.id, name: "C", createdTime: 1)
            try await store.createCustomer(customer)
            let profile = DeviceProfile(tenantID: tenant.id, name: "default", createdTime: 1)
            try await store.createProfile(profile)
            let device = Device(
                tenantID: tenant.id, customerID: customer.id, profileID: profile.id, name: "Gateway 7", type: "gw",
                label: "roof", isGateway: true, accessToken: "tok-7", createdTime: 1_700_000_000_123)
            try await store.createDevice(device)

            #expect(try await store.device(tenant: tenant.id, id: device.id) == device)
            #expect(try await store.device(tenant: tenant.id, named: "Gateway 7") == device)
            #expect(try await store.device(accessToken: "tok-7") == device)
            #expect(try await store.device(accessToken: "tok-8") == nil)
            #expect(try await store.device(tenant: tenant.id, named: "gateway 7") == nil)
        }
    }

    @Test func devicesAreInvisibleToOtherTenants() async throws {
        try await withStore { store in
            let a = try await Fixture.make(store, tenantName: "A")
            let b = Tenant(name: "B", createdTime: 1)
            try await store.createTenant(b)

            #expect(try await store.device(tenant: b.id, id: a.device.id) == nil)
            #expect(try await store.device(tenant: b.id, named: a.device.name) == nil)
            #expect(try await store.devices(tenant: b.id, customer: nil, textSearch: nil, limit: 10, offset: 0) == [])
            #expect(try await store.deviceCount(tenant: b.id, customer: nil, textSearch: nil) == 0)
            #expect(try await store.deleteDevice(tenant: b.id, id: a.device.id) == false)
            #expect(try await store.device(tenant: a.tenant.id, id: a.device.id) == a.device)

            try await a.append("t", [(1, .long(1))])
            await expectStewardError(.notFound) { _ = try await store.latest(tenant: b.id, device: a.device.id, keys: nil) }
            await expectStewardError(.notFound) {
                _ = try await store.history(
                    tenant: b.id, device: a.device.id, query: TimeSeriesQuery(keys: ["t"], startTs: 0, endTs: 10))
            }
            await expectStewardError(.notFound) { _ = try await store.timeSeriesKeys(tenant: b.id, device: a.device.id) }
            await expectStewardError(.notFound) {
                try await store.saveAttributes(
                    tenant: b.id, device: a.device.id, scope: .server, values: [KeyValue("x", .long(1))], ts: 1)
            }
            await expectStewardError(.notFound) {
                _ = try await store.attributes(tenant: b.id, device: a.device.id, scope: .server, keys: nil)
            }
            await expectStewardError(.notFound) {
                _ = try await store.deleteAttributes(tenant: b.id, device: a.device.id, scope: .server, keys: ["x"])
            }
            var moved = a.device
            moved.tenantID = b.id
            moved.name = "hijacked"
            await expectStewardError(.notFound) { try await store.updateDevice(moved) }
            #expect(try await store.device(tenant: a.tenant.id, id: a.device.id)?.name == a.device.name)
        }
    }

    @Test func tokensAreGloballyUniqueAndNamesUniquePerTenant() async throws {
        try await withStore { store in
            let a = try await Fixture.make(store, tenantName: "A")
            let b = Tenant(name: "B", createdTime: 1)
            try await store.createTenant(b)

            await #expect(throws: (any Error).self) {
                try await store.createDevice(
                    Device(tenantID: b.id, name: "other", accessToken: a.device.accessToken, createdTime: 1))
            }
            await #expect(throws: (any Error).self) {
                try await store.createDevice(Device(tenantID: a.tenant.id, name: a.device.name, accessToken: "fresh", createdTime: 1))
            }
            // The same name in another tenant is fine.
            try await store.createDevice(Device(tenantID: b.id, name: a.device.name, accessToken: "fresh", createdTime: 1))
            #expect(try await store.device(tenant: b.id, named: a.device.name)?.accessToken == "fresh")
        }
    }

    @Test func listingPagesNewestFirstAndCounts() async throws {
        try await withStore { store in
            let tenant = Tenant(name: "A", createdTime: 1)
            try await store.createTenant(tenant)
            var created: [Device] = []
            for n in 1...5 {
                let device = Device(tenantID: tenant.id, name: "dev-\(n)", accessToken: "tok-\(n)", createdTime: Int64(n) * 100)
                try await store.createDevice(device)
                created.append(device)
            }
            func page(_ limit: Int, _ offset: Int) async throws -> [String] {
                try await store.devices(tenant: tenant.id, customer: nil, textSearch: nil, limit: limit, offset: offset).map(\.name)
            }
            #expect(try await page(2, 0) == ["dev-5", "dev-4"])
            #expect(try await page(2, 2) == ["dev-3", "dev-2"])
            #expect(try await page(2, 4) == ["dev-1"])
            #expect(try await page(2, 6) == [])
            #expect(try await page(10, 0) == ["dev-5", "dev-4", "dev-3", "dev-2", "dev-1"])
            #expect(try await store.deviceCount(tenant: tenant.id, customer: nil, textSearch: nil) == 5)
        }
    }

    @Test func sameCreatedTimeOrdersByInsertionNewestFirst() async throws {
        try await withStore { store in
            let tenant = Tenant(name: "A", createdTime: 1)
            try await store.createTenant(tenant)
            for n in 1...3 {
                try await store.createDevice(Device(tenantID: tenant.id, name: "d\(n)", accessToken: "t\(n)", createdTime: 5))
            }
            let names = try await store.devices(tenant: tenant.id, customer: nil, textSearch: nil, limit: 10, offset: 0).map(\.name)
            #expect(names == ["d3", "d2", "d1"])
        }
    }

    @Test func textSearchMatchesSubstringsAndEscapesWildcards() async throws {
        try await withStore { store in
            let tenant = Tenant(name: "A", createdTime: 1)
            try await store.createTenant(tenant)
            for (n, name) in ["Boiler Room", "boiler-2", "pump", "a_b", "axb", "100%", "1000"].enumerated() {
                try await store.createDevice(Device(tenantID: tenant.id, name: name, accessToken: "t\(n)", createdTime: Int64(n)))
            }
            func search(_ text: String?) async throws -> Set<String> {
                Set(try await store.devices(tenant: tenant.id, customer: nil, textSearch: text, limit: 100, offset: 0).map(\.name))
            }
            #expect(try await search("boiler") == ["Boiler Room", "boiler-2"])
            #expect(try await search("ROOM") == ["Boiler Room"])
            #expect(try await search("a_b") == ["a_b"])
            #expect(try await search("_") == ["a_b"])
            #expect(try await search("%") == ["100%"])
            #expect(try await search("zzz") == [])
            #expect(try await search("").count == 7)
            #expect(try await search(nil).count == 7)
            #expect(try await store.deviceCount(tenant: tenant.id, customer: nil, textSearch: "boiler") == 2)
            #expect(try await store.deviceCount(tenant: tenant.id, customer: nil, textSearch: "_") == 1)
        }
    }

    @Test func customerFilter() async throws {
        try await withStore { store in
            let tenant = Tenant(name: "A", createdTime: 1)
            try await store.createTenant(tenant)
            let customer = Customer(tenantID: tenant.id, name: "C", createdTime: 1)
            try await store.createCustomer(customer)
            try await store.createDevice(
                Device(tenantID: tenant.id, customerID: customer.id, name: "owned", accessToken: "t1", createdTime: 1))
            try await store.createDevice(Device(tenantID: tenant.id, name: "free", accessToken: "t2", createdTime: 2))

            let owned = try await store.devices(tenant: tenant.id, customer: customer.id, textSearch: nil, limit: 10, offset: 0)
            #expect(owned.map(\.name) == ["owned"])
            #expect(try await store.deviceCount(tenant: tenant.id, customer: customer.id, textSearch: nil) == 1)
            #expect(try await store.deviceCount(tenant: tenant.id, customer: CustomerID(), textSearch: nil) == 0)
        }
    }

    @Test func updateChangesTheDevice() async throws {
        try await withStore { store in
            let f = try await Fixture.make(store)
            let customer = Customer(tenantID: f.tenant.id, name: "C", createdTime: 1)
            try await store.createCustomer(customer)
            var device = f.device
            device.name = "renamed"
            device.label = "new label"
            device.customerID = customer.id
            device.accessToken = "rotated"
            device.isGateway = true
            try await store.updateDevice(device)

            #expect(try await store.device(tenant: f.tenant.id, id: device.id) == device)
            #expect(try await store.device(accessToken: f.device.accessToken) == nil)
            #expect(try await store.device(accessToken: "rotated")?.id == device.id)
            await expectStewardError(.notFound) {
                try await store.updateDevice(Device(tenantID: f.tenant.id, name: "ghost", accessToken: "g", createdTime: 1))
            }
        }
    }

    @Test func deleteRemovesTheDeviceAndItsData() async throws {
        try await withStore { store in
            let f = try await Fixture.make(store)
            try await f.append("temperature", [(100, .double(21.5)), (200, .double(22))])
            try await store.saveAttributes(
                tenant: f.tenant.id, device: f.device.id, scope: .client, values: [KeyValue("fw", .string("1.0"))], ts: 5)
            try await store.saveAttributes(
                tenant: f.tenant.id, device: f.device.id, scope: .shared, values: [KeyValue("target", .long(20))], ts: 5)
            try await store.saveClaimOffer(device: f.device.id, offer: ClaimOffer(secretKey: "s", expiresAt: 1_000))

            #expect(try await store.deleteDevice(tenant: f.tenant.id, id: f.device.id))
            #expect(try await store.deleteDevice(tenant: f.tenant.id, id: f.device.id) == false)
            #expect(try await store.device(tenant: f.tenant.id, id: f.device.id) == nil)
            #expect(try await store.device(accessToken: f.device.accessToken) == nil)
            #expect(try await store.claimOffer(device: f.device.id) == nil)
            await expectStewardError(.notFound) { _ = try await store.latest(tenant: f.tenant.id, device: f.device.id, keys: nil) }

            // The deleted device had the highest row key, so SQLite hands the same key to the next device: it must
            // start with no telemetry or attributes.
            let next = Device(tenantID: f.tenant.id, name: "next", accessToken: "next-token", createdTime: 20)
            try await store.createDevice(next)
            #expect(try await store.latest(tenant: f.tenant.id, device: next.id, keys: nil) == [:])
            #expect(try await store.timeSeriesKeys(tenant: f.tenant.id, device: next.id) == [])
            let history = try await store.history(
                tenant: f.tenant.id, device: next.id, query: TimeSeriesQuery(keys: ["temperature"], startTs: 0, endTs: 1_000))
            #expect(history == [:])
            for scope in AttributeScope.allCases {
                #expect(try await store.attributes(tenant: f.tenant.id, device: next.id, scope: scope, keys: nil) == [])
            }
            #expect(try await store.claimOffer(device: next.id) == nil)
        }
    }

    /// Deleting a tenant deletes its devices (ON DELETE CASCADE); their readings must go too, or the next device that
    /// reuses the row key (SQLite's `seq INTEGER PRIMARY KEY` reuses the highest freed key) sees them, across tenants.
    @Test func deletingATenantDoesNotLeakItsDevicesDataToALaterDevice() async throws {
        try await withStore { store in
            let f = try await Fixture.make(store, tenantName: "Old")
            try await f.append("secret", [(100, .string("tenant A data"))])
            try await store.saveAttributes(
                tenant: f.tenant.id, device: f.device.id, scope: .server, values: [KeyValue("k", .string("A"))], ts: 5)

            #expect(try await store.deleteTenant(id: f.tenant.id))
            #expect(try await store.device(accessToken: f.device.accessToken) == nil)

            let other = Tenant(name: "New", createdTime: 2)
            try await store.createTenant(other)
            let fresh = Device(tenantID: other.id, name: "fresh", accessToken: "fresh-token", createdTime: 3)
            try await store.createDevice(fresh)

            #expect(try await store.latest(tenant: other.id, device: fresh.id, keys: nil) == [:])
            #expect(try await store.timeSeriesKeys(tenant: other.id, device: fresh.id) == [])
            #expect(try await store.attributes(tenant: other.id, device: fresh.id, scope: .server, keys: nil) == [])
        }
    }

    @Test func profilesCreateListAndLookUpByProvisionKey() async throws {
        try await withStore { store in
            let a = Tenant(name: "A", createdTime: 1), b = Tenant(name: "B", createdTime: 1)
            try await store.createTenant(a)
            try await store.createTenant(b)
            let plain = DeviceProfile(tenantID: a.id, name: "default", createdTime: 1)
            let provisioned = DeviceProfile(
                tenantID: a.id, name: "meters", provisionKey: "key-1", provisionSecret: "secret-1",
                provisionStrategy: .checkPreProvisionedDevices, createdTime: 2)
            try await store.createProfile(plain)
            try await store.createProfile(provisioned)

            #expect(try await store.profiles(tenant: a.id) == [plain, provisioned])
            #expect(try await store.profiles(tenant: b.id) == [])
            #expect(try await store.profile(tenant: a.id, named: "meters") == provisioned)
            #expect(try await store.profile(tenant: b.id, named: "meters") == nil)
            #expect(try await store.profile(provisionKey: "key-1") == provisioned)
            #expect(try await store.profile(provisionKey: "nope") == nil)

            await #expect(throws: (any Error).self) {
                try await store.createProfile(DeviceProfile(tenantID: a.id, name: "default", createdTime: 3))
            }
            await #expect(throws: (any Error).self) {
                try await store.createProfile(DeviceProfile(tenantID: b.id, name: "x", provisionKey: "key-1", createdTime: 3))
            }
            // Several profiles without a provision key are fine.
            try await store.createProfile(DeviceProfile(tenantID: b.id, name: "default", createdTime: 3))
            try await store.createProfile(DeviceProfile(tenantID: b.id, name: "second", createdTime: 4))
            #expect(try await store.profiles(tenant: b.id).count == 2)
        }
    }

    @Test func claimOffersSaveReplaceDelete() async throws {
        try await withStore { store in
            let f = try await Fixture.make(store)
            #expect(try await store.claimOffer(device: f.device.id) == nil)
            try await store.saveClaimOffer(device: f.device.id, offer: ClaimOffer(secretKey: "s1", expiresAt: 100))
            #expect(try await store.claimOffer(device: f.device.id) == ClaimOffer(secretKey: "s1", expiresAt: 100))
            try await store.saveClaimOffer(device: f.device.id, offer: ClaimOffer(secretKey: "", expiresAt: 200))
            #expect(try await store.claimOffer(device: f.device.id) == ClaimOffer(secretKey: "", expiresAt: 200))
            try await store.deleteClaimOffer(device: f.device.id)
            #expect(try await store.claimOffer(device: f.device.id) == nil)
            try await store.deleteClaimOffer(device: f.device.id)  // deleting nothing is fine

            await expectStewardError(.notFound) {
                try await store.saveClaimOffer(device: DeviceID(), offer: ClaimOffer(secretKey: "s", expiresAt: 1))
            }
            #expect(try await store.claimOffer(device: DeviceID()) == nil)
        }
    }
}
