import StewardCore
import StewardStore

/// Device profiles beyond creation and provisioning lookups (issue 15), as `SQLiteStore+DeviceProfiles`.
extension PostgresStore {
    public func profile(tenant: TenantID, id: DeviceProfileID) async throws -> DeviceProfile? {
        try await database.read { db in
            try await db.fetchOne(
                sql: "SELECT * FROM device_profile WHERE tenant_id = ? AND id = ?", arguments: [tenant.description, id.description]
            ).map(DeviceProfile.init(postgres:))
        }
    }

    public func defaultProfile(tenant: TenantID) async throws -> DeviceProfile? {
        try await database.read { db in
            try await db.fetchOne(
                sql: "SELECT * FROM device_profile WHERE tenant_id = ? AND is_default", arguments: [tenant.description]
            ).map(DeviceProfile.init(postgres:))
        }
    }

    public func profiles(tenant: TenantID, textSearch: String?, order: DeviceProfileOrder, limit: Int, offset: Int) async throws
        -> [DeviceProfile]
    {
        let filter = DeviceProfileOrder.filter(textSearch: textSearch, like: "ILIKE")
        var arguments: SQLArguments = [tenant.description]
        if let pattern = filter.pattern { arguments = arguments + [pattern] }
        arguments = arguments + [limit, offset]
        let values = arguments
        return try await database.read { db in
            try await db.fetchAll(
                sql: "SELECT * FROM device_profile WHERE \(filter.sql) ORDER BY \(order.sql) LIMIT ? OFFSET ?", arguments: values
            ).map(DeviceProfile.init(postgres:))
        }
    }

    public func profileCount(tenant: TenantID, textSearch: String?) async throws -> Int {
        let filter = DeviceProfileOrder.filter(textSearch: textSearch, like: "ILIKE")
        var arguments: SQLArguments = [tenant.description]
        if let pattern = filter.pattern { arguments = arguments + [pattern] }
        let values = arguments
        return try await database.read { db in
            try await db.fetchValue(Int.self, sql: "SELECT COUNT(*) FROM device_profile WHERE \(filter.sql)", arguments: values) ?? 0
        }
    }

    public func updateProfile(_ profile: DeviceProfile) async throws {
        try await database.write { db in
            let changed = try await db.execute(
                sql: DeviceProfileOrder.updateSQL,
                arguments: [
                    profile.description, profile.inactivityTimeout, profile.storageTTL, profile.provisionKey,
                    profile.provisionSecret, profile.provisionStrategy?.rawValue, profile.tenantID.description,
                    profile.id.description,
                ])
            guard changed > 0 else { throw StorageTTL.notFound(.profile(profile.id)) }
        }
    }

    public func setDefaultProfile(tenant: TenantID, id: DeviceProfileID) async throws {
        try await database.write { db in
            guard
                try await db.fetchValue(
                    Int.self, sql: "SELECT 1 FROM device_profile WHERE tenant_id = ? AND id = ? FOR UPDATE",
                    arguments: [tenant.description, id.description]) != nil
            else { throw StorageTTL.notFound(.profile(id)) }
            try await db.execute(
                sql: "UPDATE device_profile SET is_default = false WHERE tenant_id = ? AND is_default AND id <> ?",
                arguments: [tenant.description, id.description])
            try await db.execute(
                sql: "UPDATE device_profile SET is_default = true WHERE tenant_id = ? AND id = ?",
                arguments: [tenant.description, id.description])
        }
    }

    public func deleteProfile(tenant: TenantID, id: DeviceProfileID) async throws -> Bool {
        try await database.write { db in
            try await db.execute(
                sql: "DELETE FROM device_profile WHERE tenant_id = ? AND id = ?", arguments: [tenant.description, id.description]
            ) > 0
        }
    }

    public func profileDeviceCounts(tenant: TenantID) async throws -> [DeviceProfileID: Int] {
        try await database.read { db in
            var counts: [DeviceProfileID: Int] = [:]
            let rows = try await db.fetchAll(
                sql: """
                    SELECT profile_id, COUNT(*) AS n FROM device WHERE tenant_id = ? AND profile_id IS NOT NULL
                    GROUP BY profile_id
                    """,
                arguments: [tenant.description])
            for row in rows {
                let id: String = try row["profile_id"]
                let n: Int64 = try row["n"]
                if let id = DeviceProfileID(id) { counts[id] = Int(n) }
            }
            return counts
        }
    }
}
