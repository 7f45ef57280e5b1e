import GRDB
import StewardCore
import StewardStore

/// Device profiles beyond creation and provisioning lookups (issue 15): one by id, the default, pages, updates,
/// the default flag, deletion and how many devices use each.
extension SQLiteStore {
    public func profile(tenant: TenantID, id: DeviceProfileID) async throws -> DeviceProfile? {
        try await pool.read { db in
            try Row.fetchOne(
                db, sql: "SELECT * FROM device_profile WHERE tenant_id = ? AND id = ?",
                arguments: [tenant.description, id.description]
            ).map(DeviceProfile.init(row:))
        }
    }

    public func defaultProfile(tenant: TenantID) async throws -> DeviceProfile? {
        try await pool.read { db in
            try Row.fetchOne(
                db, sql: "SELECT * FROM device_profile WHERE tenant_id = ? AND is_default = 1", arguments: [tenant.description]
            ).map(DeviceProfile.init(row:))
        }
    }

    public func profiles(tenant: TenantID, textSearch: String?, order: DeviceProfileOrder, limit: Int, offset: Int) async throws
        -> [DeviceProfile]
    {
        let filter = DeviceProfileOrder.filter(textSearch: textSearch, like: "LIKE")
        var arguments: StatementArguments = [tenant.description]
        if let pattern = filter.pattern { arguments += [pattern] }
        arguments += [limit, offset]
        let values = arguments
        return try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM device_profile WHERE \(filter.sql) ORDER BY \(order.sql) LIMIT ? OFFSET ?",
                arguments: values
            ).map(DeviceProfile.init(row:))
        }
    }

    public func profileCount(tenant: TenantID, textSearch: String?) async throws -> Int {
        let filter = DeviceProfileOrder.filter(textSearch: textSearch, like: "LIKE")
        var arguments: StatementArguments = [tenant.description]
        if let pattern = filter.pattern { arguments += [pattern] }
        let values = arguments
        return try await pool.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM device_profile WHERE \(filter.sql)", arguments: values) ?? 0
        }
    }

    public func updateProfile(_ profile: DeviceProfile) async throws {
        try await pool.write { db in
            try db.execute(
                sql: DeviceProfileOrder.updateSQL,
                arguments: [
                    profile.description, profile.inactivityTimeout, profile.storageTTL, profile.provisionKey,
                    profile.provisionSecret, profile.provisionStrategy?.rawValue, profile.tenantID.description,
                    profile.id.description,
                ])
            guard db.changesCount > 0 else { throw StorageTTL.notFound(.profile(profile.id)) }
        }
    }

    public func setDefaultProfile(tenant: TenantID, id: DeviceProfileID) async throws {
        try await pool.write { db in
            guard
                try Int.fetchOne(
                    db, sql: "SELECT 1 FROM device_profile WHERE tenant_id = ? AND id = ?",
                    arguments: [tenant.description, id.description]) != nil
            else { throw StorageTTL.notFound(.profile(id)) }
            try db.execute(
                sql: "UPDATE device_profile SET is_default = 0 WHERE tenant_id = ? AND is_default = 1 AND id <> ?",
                arguments: [tenant.description, id.description])
            try db.execute(
                sql: "UPDATE device_profile SET is_default = 1 WHERE tenant_id = ? AND id = ?",
                arguments: [tenant.description, id.description])
        }
    }

    public func deleteProfile(tenant: TenantID, id: DeviceProfileID) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: "DELETE FROM device_profile WHERE tenant_id = ? AND id = ?", arguments: [tenant.description, id.description])
            return db.changesCount > 0
        }
    }

    public func profileDeviceCounts(tenant: TenantID) async throws -> [DeviceProfileID: Int] {
        try await pool.read { db in
            var counts: [DeviceProfileID: Int] = [:]
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT profile_id, COUNT(*) AS n FROM device WHERE tenant_id = ? AND profile_id IS NOT NULL
                    GROUP BY profile_id
                    """,
                arguments: [tenant.description])
            for row in rows {
                if let id = DeviceProfileID(row["profile_id"] as String) { counts[id] = row["n"] }
            }
            return counts
        }
    }
}
