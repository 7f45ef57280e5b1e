import Foundation
import StewardCore
import StewardStore
import Testing

/// Dashboards and their sharing (issue 15).
extension StoreContract {
    public static func dashboardsRoundTripShareAndDelete(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let a = Tenant(name: "A", createdTime: 1), b = Tenant(name: "B", createdTime: 1)
            try await s.accounts.createTenant(a)
            try await s.accounts.createTenant(b)
            let acme = Customer(tenantID: a.id, name: "Acme", createdTime: 1)
            let other = Customer(tenantID: a.id, name: "Other", createdTime: 1)
            let foreign = Customer(tenantID: b.id, name: "Foreign", createdTime: 1)
            for customer in [acme, other, foreign] { try await s.accounts.createCustomer(customer) }

            let boiler = Dashboard(
                tenantID: a.id, title: "Boiler room", layout: #"{"widgets":[]}"#, customers: [acme.id, foreign.id], createdTime: 5)
            let attic = Dashboard(tenantID: a.id, title: "attic", layout: #"{"widgets":[{"kind":"latest"}]}"#, createdTime: 6)
            try await s.devices.createDashboard(boiler)
            try await s.devices.createDashboard(attic)
            // Another tenant's customer is never shared with.
            var expected = boiler
            expected.customers = [acme.id]
            #expect(try await s.devices.dashboard(tenant: a.id, id: boiler.id) == expected)
            #expect(try await s.devices.dashboard(tenant: b.id, id: boiler.id) == nil)
            #expect(try await s.devices.dashboards(tenant: a.id, customer: nil).map(\.title) == ["attic", "Boiler room"])
            #expect(try await s.devices.dashboards(tenant: a.id, customer: acme.id).map(\.title) == ["Boiler room"])
            #expect(try await s.devices.dashboards(tenant: a.id, customer: other.id) == [])
            #expect(try await s.devices.dashboards(tenant: b.id, customer: nil) == [])
            // A title is unique in its tenant.
            await #expect(throws: (any Error).self) {
                try await s.devices.createDashboard(Dashboard(tenantID: a.id, title: "attic", layout: "{}", createdTime: 7))
            }

            var changed = expected
            changed.title = "Boiler room 2"
            changed.layout = #"{"widgets":[{"kind":"map"}]}"#
            changed.customers = [other.id]
            try await s.devices.updateDashboard(changed)
            #expect(try await s.devices.dashboard(tenant: a.id, id: boiler.id) == changed)
            #expect(try await s.devices.dashboards(tenant: a.id, customer: acme.id) == [])
            var foreignUpdate = changed
            foreignUpdate.tenantID = b.id
            await #expect(throws: StewardError.self) { try await s.devices.updateDashboard(foreignUpdate) }

            // Deleting a customer ends its shares; deleting a dashboard needs its own tenant.
            #expect(try await s.accounts.deleteCustomer(tenant: a.id, id: other.id))
            #expect(try await s.devices.dashboard(tenant: a.id, id: boiler.id)?.customers == [])
            #expect(try await s.devices.deleteDashboard(tenant: b.id, id: boiler.id) == false)
            #expect(try await s.devices.deleteDashboard(tenant: a.id, id: boiler.id))
            #expect(try await s.devices.dashboard(tenant: a.id, id: boiler.id) == nil)
        }
    }
}
