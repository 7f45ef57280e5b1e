import StewardCore
import StewardSQLite
import StewardStore
import Testing

/// The access-token cache must never let a token outlive the device it belonged to.
@Suite("Access-token cache")
struct TokenCacheTests {
    @Test("A deleted device's token stops authenticating at once")
    func deletedDeviceTokenIsForgotten() async throws {
        try await withStore { store in
            let fixture = try await Fixture.make(store)
            #expect(try await store.device(accessToken: fixture.device.accessToken)?.id == fixture.device.id)
            #expect(try await store.deleteDevice(tenant: fixture.tenant.id, id: fixture.device.id))
            #expect(try await store.device(accessToken: fixture.device.accessToken) == nil)
        }
    }

    @Test("A changed token replaces the old one, and a changed customer is seen at once")
    func updatedDeviceIsReloaded() async throws {
        try await withStore { store in
            let fixture = try await Fixture.make(store)
            _ = try await store.device(accessToken: fixture.device.accessToken)
            let customer = Customer(tenantID: fixture.tenant.id, name: "Site A", createdTime: 2)
            try await store.createCustomer(customer)
            var changed = fixture.device
            changed.accessToken = "rotated-token"
            changed.customerID = customer.id
            try await store.updateDevice(changed)
            #expect(try await store.device(accessToken: fixture.device.accessToken) == nil)
            #expect(try await store.device(accessToken: "rotated-token")?.customerID == customer.id)
        }
    }

    @Test("Deleting a tenant forgets the tokens of its devices")
    func deletedTenantTokensAreForgotten() async throws {
        try await withStore { store in
            let fixture = try await Fixture.make(store)
            _ = try await store.device(accessToken: fixture.device.accessToken)
            #expect(try await store.deleteTenant(id: fixture.tenant.id))
            #expect(try await store.device(accessToken: fixture.device.accessToken) == nil)
        }
    }

    @Test("Readings for a device deleted meanwhile are refused, not acknowledged")
    func appendForDeletedDeviceFails() async throws {
        try await withStore { store in
            let fixture = try await Fixture.make(store)
            try await fixture.append("t", [(1, .long(1))])
            #expect(try await store.deleteDevice(tenant: fixture.tenant.id, id: fixture.device.id))
            await #expect(throws: StewardError.self) { try await fixture.append("t", [(2, .long(2))]) }
        }
    }
}
