import Foundation
import StewardCore
import StewardStore
import Testing

/// Renaming and deleting customers (issue 15).
extension StoreContract {
    public static func customersRenameAndDelete(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let a = Tenant(name: "A", createdTime: 1), b = Tenant(name: "B", createdTime: 1)
            try await s.accounts.createTenant(a)
            try await s.accounts.createTenant(b)
            let acme = Customer(tenantID: a.id, name: "Acme", createdTime: 1)
            let other = Customer(tenantID: a.id, name: "Other", createdTime: 2)
            try await s.accounts.createCustomer(acme)
            try await s.accounts.createCustomer(other)
            let device = Device(tenantID: a.id, customerID: acme.id, name: "meter", accessToken: "tok-meter", createdTime: 1)
            let kept = Device(tenantID: a.id, customerID: other.id, name: "kept", accessToken: "tok-kept", createdTime: 1)
            try await s.devices.createDevice(device)
            try await s.devices.createDevice(kept)
            // The token lookup caches the device with its customer.
            #expect(try await s.devices.device(accessToken: "tok-meter")?.customerID == acme.id)

            // Workspaces are renamed by id; names stay unique across the server.
            try await s.accounts.renameTenant(id: a.id, name: "Ada's greenhouse")
            #expect(try await s.accounts.tenant(id: a.id)?.name == "Ada's greenhouse")
            #expect(try await s.accounts.tenant(named: "Ada's greenhouse")?.id == a.id)
            #expect(try await s.accounts.tenant(named: "A") == nil)
            await #expect(throws: (any Error).self) { try await s.accounts.renameTenant(id: a.id, name: "B") }
            await #expect(throws: (any Error).self) { try await s.accounts.renameTenant(id: TenantID(), name: "Nobody") }
            #expect(try await s.accounts.tenant(id: b.id)?.name == "B")
            #expect(try await s.accounts.tenant(id: a.id)?.name == "Ada's greenhouse")

            try await s.accounts.renameCustomer(tenant: a.id, id: acme.id, name: "Acme Ltd")
            #expect(try await s.accounts.customer(tenant: a.id, id: acme.id)?.name == "Acme Ltd")
            await #expect(throws: (any Error).self) { try await s.accounts.renameCustomer(tenant: a.id, id: acme.id, name: "Other") }
            await #expect(throws: (any Error).self) { try await s.accounts.renameCustomer(tenant: b.id, id: acme.id, name: "Mine") }
            #expect(try await s.accounts.customer(tenant: a.id, id: acme.id)?.name == "Acme Ltd")

            #expect(try await s.accounts.deleteCustomer(tenant: b.id, id: acme.id) == false)
            #expect(try await s.accounts.customer(tenant: a.id, id: acme.id) != nil)
            #expect(try await s.accounts.deleteCustomer(tenant: a.id, id: acme.id))
            #expect(try await s.accounts.customer(tenant: a.id, id: acme.id) == nil)
            #expect(try await s.accounts.customers(tenant: a.id).map(\.name) == ["Other"])
            // Its device stays with the tenant, unassigned (also through the token lookup); others keep theirs.
            #expect(try await s.devices.device(tenant: a.id, id: device.id)?.customerID == nil)
            #expect(try await s.devices.device(accessToken: "tok-meter")?.customerID == nil)
            #expect(try await s.devices.device(tenant: a.id, id: kept.id)?.customerID == other.id)
            #expect(try await s.accounts.deleteCustomer(tenant: a.id, id: acme.id) == false)
        }
    }
}
