import Foundation
import GRDB
import StewardCore
import StewardStore
import Synchronization

extension SQLiteStore: AccountStore {
    public func createTenant(_ tenant: Tenant) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO tenant(id, name, created_time) VALUES (?, ?, ?)",
                arguments: [tenant.id.description, tenant.name, tenant.createdTime])
        }
    }

    public func tenants() async throws -> [Tenant] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM tenant ORDER BY created_time").map(Tenant.init(row:))
        }
    }

    public func tenant(id: TenantID) async throws -> Tenant? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM tenant WHERE id = ?", arguments: [id.description]).map(Tenant.init(row:))
        }
    }

    public func tenant(named name: String) async throws -> Tenant? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM tenant WHERE name = ?", arguments: [name]).map(Tenant.init(row:))
        }
    }

    public func deleteTenant(id: TenantID) async throws -> Bool {
        let deleted = try await pool.write { db in
            // Readings and attributes are keyed by device, not tenant: delete them before the cascade removes the devices.
            for table in ["ts_kv", "ts_kv_latest", "ts_kv_expiry", "ts_rollup", "attribute_kv"] {
                try db.execute(
                    sql: "DELETE FROM \(table) WHERE device_seq IN (SELECT seq FROM device WHERE tenant_id = ?)",
                    arguments: [id.description])
            }
            try self.recordDeviceChanges(
                db, kind: .deleted, selection: "SELECT id FROM device WHERE tenant_id = ?", arguments: [id.description])
            try db.execute(sql: "DELETE FROM tenant WHERE id = ?", arguments: [id.description])
            return db.changesCount > 0
        }
        tokenCache.removeAll()
        return deleted
    }

    public func createCustomer(_ customer: Customer) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO customer(id, tenant_id, name, created_time) VALUES (?, ?, ?, ?)",
                arguments: [customer.id.description, customer.tenantID.description, customer.name, customer.createdTime])
        }
    }

    public func customers(tenant: TenantID) async throws -> [Customer] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM customer WHERE tenant_id = ? ORDER BY created_time", arguments: [tenant.description]
            ).map(Customer.init(row:))
        }
    }

    public func customer(tenant: TenantID, id: CustomerID) async throws -> Customer? {
        try await pool.read { db in
            try Row.fetchOne(
                db, sql: "SELECT * FROM customer WHERE tenant_id = ? AND id = ?",
                arguments: [tenant.description, id.description]
            ).map(Customer.init(row:))
        }
    }

    public func customer(tenant: TenantID, named name: String) async throws -> Customer? {
        try await pool.read { db in
            try Row.fetchOne(
                db, sql: "SELECT * FROM customer WHERE tenant_id = ? AND name = ?", arguments: [tenant.description, name]
            ).map(Customer.init(row:))
        }
    }

    public func createUser(_ user: User, passwordHash: String) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO user(id, tenant_id, customer_id, email, email_hash, authority, first_name, last_name, password_hash,
                        created_time, origin)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'an administrator of your organisation or of this Steward')
                    """,
                arguments: [
                    user.id.description, user.tenantID?.description, user.customerID?.description,
                    try self.sealContact(user.email, in: Self.userEmail, person: user.id), self.contactHash(user.email),
                    user.authority.rawValue, user.firstName, user.lastName, passwordHash, user.createdTime,
                ])
        }
    }

    public func user(id: UserID) async throws -> User? {
        try await pool.read { db in
            try self.openedRow(Self.userColumns, db, sql: "SELECT * FROM user WHERE id = ?", arguments: [id.description]).map(User.init(row:))
        }
    }

    public func user(tenant: TenantID, id: UserID) async throws -> User? {
        try await pool.read { db in
            try self.openedRow(Self.userColumns, db, sql: "SELECT * FROM user WHERE tenant_id = ? AND id = ?", arguments: [tenant.description, id.description]
            ).map(User.init(row:))
        }
    }

    public func users(tenant: TenantID) async throws -> [User] {
        try await pool.read { db in
            try self.openedRows(Self.userColumns, db, sql: "SELECT * FROM user WHERE tenant_id = ? ORDER BY created_time", arguments: [tenant.description]
            ).map(User.init(row:))
        }
    }

    public func credentials(email: String) async throws -> (user: User, passwordHash: String)? {
        try await pool.read { db in
            guard let row = try self.openedRow(Self.userColumns, db, sql: "SELECT * FROM user WHERE email_hash = ?", arguments: [self.contactHash(email)]) else {
                return nil
            }
            return (User(row: row), row["password_hash"])
        }
    }

    public func userCount() async throws -> Int {
        try await pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM user") ?? 0 }
    }
}

extension Tenant {
    init(row: Row) {
        self.init(id: TenantID(row["id"] as String)!, name: row["name"], createdTime: row["created_time"])
    }
}

extension Customer {
    init(row: Row) {
        self.init(
            id: CustomerID(row["id"] as String)!, tenantID: TenantID(row["tenant_id"] as String)!, name: row["name"],
            createdTime: row["created_time"])
    }
}

extension User {
    init(row: Row) {
        self.init(
            id: UserID(row["id"] as String)!,
            tenantID: (row["tenant_id"] as String?).flatMap(TenantID.init),
            customerID: (row["customer_id"] as String?).flatMap(CustomerID.init),
            email: row["email"],
            authority: Authority(rawValue: row["authority"]) ?? .customerUser,
            firstName: row["first_name"],
            lastName: row["last_name"],
            createdTime: row["created_time"])
    }
}
