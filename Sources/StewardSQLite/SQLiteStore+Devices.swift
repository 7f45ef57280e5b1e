import Foundation
import GRDB
import StewardCore
import StewardStore
import Synchronization

extension SQLiteStore: DeviceStore {
    public func createDevice(_ device: Device) async throws {
        try await Self.mappingTokenConflict { try await self.pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO device(id, tenant_id, customer_id, profile_id, name, type, label, is_gateway, access_token, created_time)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    device.id.description, device.tenantID.description, device.customerID?.description,
                    device.profileID?.description, device.name, device.type, device.label, device.isGateway,
                    device.accessToken, device.createdTime,
                ])
        } }
    }

    /// A token taken by another device (of any tenant; the check before the write can race) fails the UNIQUE
    /// constraint: answered as `accessTokenUnavailable` (400), never a 500 that would confirm the token exists.
    static func mappingTokenConflict(_ write: () async throws -> Void) async throws {
        do {
            try await write()
        } catch let error as DatabaseError
            where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE && (error.message ?? "").contains("access_token")
        {
            throw StewardError.accessTokenUnavailable
        }
    }

    public func updateDevice(_ device: Device) async throws {
        try await Self.mappingTokenConflict { try await self.pool.write { db in
            let previousToken = try String.fetchOne(
                db, sql: "SELECT access_token FROM device WHERE id = ? AND tenant_id = ?",
                arguments: [device.id.description, device.tenantID.description])
            try db.execute(
                sql: """
                    UPDATE device SET customer_id = ?, profile_id = ?, name = ?, type = ?, label = ?, is_gateway = ?, access_token = ?
                    WHERE id = ? AND tenant_id = ?
                    """,
                arguments: [
                    device.customerID?.description, device.profileID?.description, device.name, device.type, device.label,
                    device.isGateway, device.accessToken, device.id.description, device.tenantID.description,
                ])
            if db.changesCount == 0 { throw StewardError.notFound("Device with id [\(device.id)] is not found") }
            if previousToken != device.accessToken {
                try self.recordDeviceChange(db, kind: .credentialsChanged, device: device.id)
            }
        } }
        forgetCachedToken(of: device.id)
    }

    public func device(tenant: TenantID, id: DeviceID) async throws -> Device? {
        try await pool.read { db in
            try Row.fetchOne(
                db, sql: "SELECT * FROM device WHERE tenant_id = ? AND id = ?", arguments: [tenant.description, id.description]
            ).map(Device.init(row:))
        }
    }

    public func device(tenant: TenantID, named name: String) async throws -> Device? {
        try await pool.read { db in
            try Row.fetchOne(
                db, sql: "SELECT * FROM device WHERE tenant_id = ? AND name = ?", arguments: [tenant.description, name]
            ).map(Device.init(row:))
        }
    }

    public func devices(tenant: TenantID, customer: CustomerID?, textSearch: String?, limit: Int, offset: Int) async throws
        -> [Device]
    {
        let (filter, arguments) = Self.deviceFilter(tenant: tenant, customer: customer, textSearch: textSearch)
        return try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM device WHERE \(filter) ORDER BY created_time DESC, seq DESC LIMIT ? OFFSET ?",
                arguments: arguments + [limit, offset]
            ).map(Device.init(row:))
        }
    }

    public func deviceCount(tenant: TenantID, customer: CustomerID?, textSearch: String?) async throws -> Int {
        let (filter, arguments) = Self.deviceFilter(tenant: tenant, customer: customer, textSearch: textSearch)
        return try await pool.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM device WHERE \(filter)", arguments: arguments) ?? 0
        }
    }

    static func deviceFilter(tenant: TenantID, customer: CustomerID?, textSearch: String?) -> (String, StatementArguments) {
        var filter = "tenant_id = ?"
        var arguments: StatementArguments = [tenant.description]
        if let customer {
            filter += " AND customer_id = ?"
            arguments += [customer.description]
        }
        if let textSearch, !textSearch.isEmpty {
            filter += " AND name LIKE ? ESCAPE '\\'"
            let escaped = textSearch.replacingOccurrences(of: "\\", with: "\\\\")
                .replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
            arguments += ["%\(escaped)%"]
        }
        return (filter, arguments)
    }

    public func deleteDevice(tenant: TenantID, id: DeviceID) async throws -> Bool {
        let deleted = try await pool.write { db -> Bool in
            guard
                let seq = try Int64.fetchOne(
                    db, sql: "SELECT seq FROM device WHERE tenant_id = ? AND id = ?",
                    arguments: [tenant.description, id.description])
            else { return false }
            try db.execute(sql: "DELETE FROM ts_kv WHERE device_seq = ?", arguments: [seq])
            try db.execute(sql: "DELETE FROM ts_kv_latest WHERE device_seq = ?", arguments: [seq])
            try db.execute(sql: "DELETE FROM ts_kv_expiry WHERE device_seq = ?", arguments: [seq])
            try db.execute(sql: "DELETE FROM ts_rollup WHERE device_seq = ?", arguments: [seq])
            try db.execute(sql: "DELETE FROM attribute_kv WHERE device_seq = ?", arguments: [seq])
            try db.execute(sql: "DELETE FROM device WHERE seq = ?", arguments: [seq])
            try self.recordDeviceChange(db, kind: .deleted, device: id)
            return true
        }
        forgetCachedToken(of: id)
        return deleted
    }

    public func device(accessToken: String) async throws -> Device? {
        let now = WallClock.nowMillis()
        if let cached = tokenCache.device(token: accessToken, now: now) { return cached }
        let device = try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM device WHERE access_token = ?", arguments: [accessToken])
                .map(Device.init(row:))
        }
        tokenCache.remember(token: accessToken, device: device, now: now)
        return device
    }

    /// Drops every cached token of a device after it changed or was deleted in this process.
    func forgetCachedToken(of id: DeviceID) {
        tokenCache.forget(devices: [id])
    }

    public func createProfile(_ profile: DeviceProfile) async throws {
        try await pool.write { db in try Self.insertProfile(profile, db) }
    }

    static func insertProfile(_ profile: DeviceProfile, _ db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO device_profile(id, tenant_id, name, provision_key, provision_secret, provision_strategy, created_time,
                    description, inactivity_timeout, is_default, storage_ttl)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                profile.id.description, profile.tenantID.description, profile.name, profile.provisionKey,
                profile.provisionSecret, profile.provisionStrategy?.rawValue, profile.createdTime,
                profile.description, profile.inactivityTimeout, profile.isDefault, profile.storageTTL,
            ])
    }

    public func profiles(tenant: TenantID) async throws -> [DeviceProfile] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM device_profile WHERE tenant_id = ? ORDER BY created_time",
                arguments: [tenant.description]
            ).map(DeviceProfile.init(row:))
        }
    }

    public func profile(tenant: TenantID, named name: String) async throws -> DeviceProfile? {
        try await pool.read { db in
            try Row.fetchOne(
                db, sql: "SELECT * FROM device_profile WHERE tenant_id = ? AND name = ?", arguments: [tenant.description, name]
            ).map(DeviceProfile.init(row:))
        }
    }

    public func profile(provisionKey: String) async throws -> DeviceProfile? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM device_profile WHERE provision_key = ?", arguments: [provisionKey])
                .map(DeviceProfile.init(row:))
        }
    }

    public func saveClaimOffer(device: DeviceID, offer: ClaimOffer) async throws {
        try await pool.write { db in
            guard let seq = try self.deviceKey(db, device) else {
                throw StewardError.notFound("Device with id [\(device)] is not found")
            }
            try db.execute(
                sql: "INSERT OR REPLACE INTO claim_offer(device_seq, secret_key, expires_at) VALUES (?, ?, ?)",
                arguments: [seq, offer.secretKey, offer.expiresAt])
        }
    }

    public func claimOffer(device: DeviceID) async throws -> ClaimOffer? {
        try await pool.read { db in
            guard let seq = try self.deviceKey(db, device) else { return nil }
            return try Row.fetchOne(db, sql: "SELECT * FROM claim_offer WHERE device_seq = ?", arguments: [seq]).map {
                ClaimOffer(secretKey: $0["secret_key"], expiresAt: $0["expires_at"])
            }
        }
    }

    public func deleteClaimOffer(device: DeviceID) async throws {
        try await pool.write { db in
            guard let seq = try self.deviceKey(db, device) else { return }
            try db.execute(sql: "DELETE FROM claim_offer WHERE device_seq = ?", arguments: [seq])
        }
    }
}

extension Device {
    init(row: Row) {
        self.init(
            id: DeviceID(row["id"] as String)!,
            tenantID: TenantID(row["tenant_id"] as String)!,
            customerID: (row["customer_id"] as String?).flatMap(CustomerID.init),
            profileID: (row["profile_id"] as String?).flatMap(DeviceProfileID.init),
            name: row["name"],
            type: row["type"],
            label: row["label"],
            isGateway: row["is_gateway"],
            accessToken: row["access_token"],
            createdTime: row["created_time"])
    }
}

extension DeviceProfile {
    init(row: Row) {
        self.init(
            id: DeviceProfileID(row["id"] as String)!,
            tenantID: TenantID(row["tenant_id"] as String)!,
            name: row["name"],
            description: row["description"],
            inactivityTimeout: row["inactivity_timeout"],
            isDefault: row["is_default"],
            storageTTL: row["storage_ttl"],
            provisionKey: row["provision_key"],
            provisionSecret: row["provision_secret"],
            provisionStrategy: (row["provision_strategy"] as String?).flatMap(ProvisionStrategy.init(rawValue:)),
            createdTime: row["created_time"])
    }
}
