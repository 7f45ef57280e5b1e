import GRDB
import StewardCore
import StewardStore

/// Renaming and deleting customers (issue 15).
extension SQLiteStore {
    public func renameTenant(id: TenantID, name: String) async throws {
        try await pool.write { db in
            try db.execute(sql: "UPDATE tenant SET name = ? WHERE id = ?", arguments: [name, id.description])
            guard db.changesCount > 0 else { throw StewardError.notFound("Tenant with id [\(id)] is not found") }
        }
    }

    public func renameCustomer(tenant: TenantID, id: CustomerID, name: String) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE customer SET name = ? WHERE tenant_id = ? AND id = ?", arguments: [name, tenant.description, id.description])
            guard db.changesCount > 0 else { throw StewardError.notFound("Customer with id [\(id)] is not found") }
        }
    }

    public func deleteCustomer(tenant: TenantID, id: CustomerID) async throws -> Bool {
        let deleted = try await pool.write { db -> Bool in
            try db.execute(
                sql: "UPDATE device SET customer_id = NULL WHERE tenant_id = ? AND customer_id = ?",
                arguments: [tenant.description, id.description])
            try db.execute(sql: "DELETE FROM customer WHERE tenant_id = ? AND id = ?", arguments: [tenant.description, id.description])
            return db.changesCount > 0
        }
        tokenCache.removeAll()  // cached devices carry their customer
        return deleted
    }
}
