import Foundation
import StewardCore
import StewardStore
import Synchronization
import StewardVault

/// Tenants, customers and accounts, as on SQLite. An account's address is stored sealed with the person's key and
/// found by its keyed hash (`email_hash`, unique), so addresses stay unique ignoring case without the plain text in
/// the database.
extension PostgresStore: AccountStore {
    public func createTenant(_ tenant: Tenant) async throws {
        try await database.write { db in try await Self.insertTenant(tenant, db) }
    }

    /// The row of a new tenant, inside the caller's transaction (also replayed by identity changes).
    static func insertTenant(_ tenant: Tenant, _ db: SQLConnection) async throws {
        try await db.execute(
            sql: "INSERT INTO tenant(id, name, created_time) VALUES (?, ?, ?)",
            arguments: [tenant.id.description, tenant.name, tenant.createdTime])
    }

    public func tenants() async throws -> [Tenant] {
        try await database.read { db in
            try await db.fetchAll(sql: "SELECT * FROM tenant ORDER BY created_time").map(Tenant.init(postgres:))
        }
    }

    public func tenant(id: TenantID) async throws -> Tenant? {
        try await database.read { db in
            try await db.fetchOne(sql: "SELECT * FROM tenant WHERE id = ?", arguments: [id.description]).map(Tenant.init(postgres:))
        }
    }

    public func tenant(named name: String) async throws -> Tenant? {
        try await database.read { db in
            try await db.fetchOne(sql: "SELECT * FROM tenant WHERE name = ?", arguments: [name]).map(Tenant.init(postgres:))
        }
    }

    public func deleteTenant(id: TenantID) async throws -> Bool {
        let deleted = try await database.write { db -> Bool in
            // Readings and attributes are keyed by device, not tenant: delete them before the cascade removes the devices.
            for table in ["ts_kv", "ts_kv_latest", "ts_kv_expiry", "ts_rollup", "attribute_kv"] {
                try await db.execute(
                    sql: "DELETE FROM \(table) WHERE device_seq IN (SELECT seq FROM device WHERE tenant_id = ?)",
                    arguments: [id.description])
            }
            try await self.recordDeviceChanges(
                db, kind: .deleted, selection: "SELECT id FROM device WHERE tenant_id = ?", arguments: [id.description])
            return try await db.execute(sql: "DELETE FROM tenant WHERE id = ?", arguments: [id.description]) > 0
        }
        tokenCache.removeAll()
        announceDeviceChanges()
        return deleted
    }

    public func createCustomer(_ customer: Customer) async throws {
        _ = try await database.write { db in
            try await db.execute(
                sql: "INSERT INTO customer(id, tenant_id, name, created_time) VALUES (?, ?, ?, ?)",
                arguments: [customer.id.description, customer.tenantID.description, customer.name, customer.createdTime])
        }
    }

    public func customers(tenant: TenantID) async throws -> [Customer] {
        try await database.read { db in
            try await db.fetchAll(
                sql: "SELECT * FROM customer WHERE tenant_id = ? ORDER BY created_time", arguments: [tenant.description]
            ).map(Customer.init(postgres:))
        }
    }

    public func customer(tenant: TenantID, id: CustomerID) async throws -> Customer? {
        try await database.read { db in
            try await db.fetchOne(
                sql: "SELECT * FROM customer WHERE tenant_id = ? AND id = ?", arguments: [tenant.description, id.description]
            ).map(Customer.init(postgres:))
        }
    }

    public func customer(tenant: TenantID, named name: String) async throws -> Customer? {
        try await database.read { db in
            try await db.fetchOne(
                sql: "SELECT * FROM customer WHERE tenant_id = ? AND name = ?", arguments: [tenant.description, name]
            ).map(Customer.init(postgres:))
        }
    }

    /// The address is sealed with the new person's own key (erasing them destroys it) and hashed for lookups.
    public func createUser(_ user: User, passwordHash: String) async throws {
        let email = try sealContact(user.email, .accountEmail, person: user.id)
        let emailHash = contactHash(user.email)
        _ = try await database.write { db in
            try await db.execute(
                sql: """
                    INSERT INTO "user"(id, tenant_id, customer_id, email, email_hash, authority, first_name, last_name,
                        password_hash, created_time, origin)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'an administrator of your organisation or of this Steward')
                    """,
                arguments: [
                    user.id.description, user.tenantID?.description, user.customerID?.description, email, emailHash,
                    user.authority.rawValue, user.firstName, user.lastName, passwordHash, user.createdTime,
                ])
        }
    }

    public func user(id: UserID) async throws -> User? {
        try await database.read { db in
            try await db.fetchOne(sql: #"SELECT * FROM "user" WHERE id = ?"#, arguments: [id.description])
                .map { try User(postgres: $0, store: self) }
        }
    }

    public func user(tenant: TenantID, id: UserID) async throws -> User? {
        try await database.read { db in
            try await db.fetchOne(
                sql: #"SELECT * FROM "user" WHERE tenant_id = ? AND id = ?"#, arguments: [tenant.description, id.description]
            ).map { try User(postgres: $0, store: self) }
        }
    }

    public func users(tenant: TenantID) async throws -> [User] {
        try await database.read { db in
            try await db.fetchAll(
                sql: #"SELECT * FROM "user" WHERE tenant_id = ? ORDER BY created_time"#, arguments: [tenant.description]
            ).map { try User(postgres: $0, store: self) }
        }
    }

    public func credentials(email: String) async throws -> (user: User, passwordHash: String)? {
        let hash = contactHash(email)
        let found = try await database.read { db -> SQLRow? in
            try await db.fetchOne(sql: #"SELECT * FROM "user" WHERE email_hash = ?"#, arguments: [hash])
        }
        guard let row = found else { return nil }
        return (try User(postgres: row, store: self), try row["password_hash"])
    }

    public func userCount() async throws -> Int {
        try await database.read { db in
            try await db.fetchValue(Int.self, sql: #"SELECT COUNT(*) FROM "user""#) ?? 0
        }
    }
}
