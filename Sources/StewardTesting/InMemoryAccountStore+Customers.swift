import StewardCore
import StewardStore
import Synchronization

/// Renaming and deleting customers in memory, with the real stores' rules (name unique per tenant).
extension InMemoryAccountStore {
    public func renameTenant(id: TenantID, name: String) async throws {
        try state.withLock { state in
            guard let index = state.tenants.firstIndex(where: { $0.id == id }) else {
                throw StewardError.notFound("Tenant with id [\(id)] is not found")
            }
            if state.tenants.contains(where: { $0.name == name && $0.id != id }) { throw Conflict() }
            state.tenants[index].name = name
        }
    }

    public func renameCustomer(tenant: TenantID, id: CustomerID, name: String) async throws {
        try state.withLock { state in
            guard let index = state.customers.firstIndex(where: { $0.tenantID == tenant && $0.id == id }) else {
                throw StewardError.notFound("Customer with id [\(id)] is not found")
            }
            if state.customers.contains(where: { $0.tenantID == tenant && $0.name == name && $0.id != id }) { throw Conflict() }
            state.customers[index].name = name
        }
    }

    public func deleteCustomer(tenant: TenantID, id: CustomerID) async throws -> Bool {
        state.withLock { state in
            let before = state.customers.count
            state.customers.removeAll { $0.tenantID == tenant && $0.id == id }
            return state.customers.count < before
        }
    }
}
