import Foundation
import StewardCore
import StewardStore
import StewardVault

/// Record types read from PostgreSQL rows (`SELECT *` of their table), shared by every store area so a tenant, a
/// user or a device reads the same wherever it is fetched. An id column that does not parse is a damaged row: an
/// error, never a crash.
enum PostgresRecords {
    static func id<ID>(_ row: SQLRow, _ column: String, _ make: (String) -> ID?) throws -> ID {
        let text: String = try row[column]
        guard let id = make(text) else {
            throw StewardError(.internal, "Column \(column) of a PostgreSQL row holds '\(text)', which is not an id")
        }
        return id
    }

    static func optionalID<ID>(_ row: SQLRow, _ column: String, _ make: (String) -> ID?) throws -> ID? {
        let text: String? = try row[column]
        return text.flatMap(make)
    }
}

extension Tenant {
    init(postgres row: SQLRow) throws {
        self.init(
            id: try PostgresRecords.id(row, "id", TenantID.init), name: try row["name"], createdTime: try row["created_time"])
    }
}

extension Customer {
    init(postgres row: SQLRow) throws {
        self.init(
            id: try PostgresRecords.id(row, "id", CustomerID.init), tenantID: try PostgresRecords.id(row, "tenant_id", TenantID.init),
            name: try row["name"], createdTime: try row["created_time"])
    }
}

extension User {
    /// A user row; the sealed `email` is opened with the person's key (an error when the key is gone).
    init(postgres row: SQLRow, store: PostgresStore) throws {
        self.init(
            id: try PostgresRecords.id(row, "id", UserID.init),
            tenantID: try PostgresRecords.optionalID(row, "tenant_id", TenantID.init),
            customerID: try PostgresRecords.optionalID(row, "customer_id", CustomerID.init),
            email: try store.openContact(row, "email", .accountEmail) ?? "",
            authority: Authority(rawValue: try row["authority"]) ?? .customerUser,
            firstName: try row["first_name"],
            lastName: try row["last_name"],
            createdTime: try row["created_time"])
    }
}

extension Device {
    init(postgres row: SQLRow) throws {
        self.init(
            id: try PostgresRecords.id(row, "id", DeviceID.init),
            tenantID: try PostgresRecords.id(row, "tenant_id", TenantID.init),
            customerID: try PostgresRecords.optionalID(row, "customer_id", CustomerID.init),
            profileID: try PostgresRecords.optionalID(row, "profile_id", DeviceProfileID.init),
            name: try row["name"],
            type: try row["type"],
            label: try row["label"],
            isGateway: try row["is_gateway"],
            accessToken: try row["access_token"],
            createdTime: try row["created_time"])
    }
}

extension DeviceProfile {
    init(postgres row: SQLRow) throws {
        let strategy: String? = try row["provision_strategy"]
        self.init(
            id: try PostgresRecords.id(row, "id", DeviceProfileID.init),
            tenantID: try PostgresRecords.id(row, "tenant_id", TenantID.init),
            name: try row["name"],
            description: try row["description"],
            inactivityTimeout: try row["inactivity_timeout"],
            isDefault: try row["is_default"],
            storageTTL: try row["storage_ttl"],
            provisionKey: try row["provision_key"],
            provisionSecret: try row["provision_secret"],
            provisionStrategy: strategy.flatMap(ProvisionStrategy.init(rawValue:)),
            createdTime: try row["created_time"])
    }
}
