import Foundation
import StewardCore
import StewardStore
import Testing

extension StoreContract {
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
}
