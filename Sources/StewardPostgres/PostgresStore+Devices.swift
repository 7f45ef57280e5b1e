import Foundation
import StewardCore
import StewardStore
import Synchronization

/// Devices, their profiles and claim offers, as on SQLite. Devices are keyed by `seq` inside the database (readings,
/// attributes and claim offers point at it) and by `id` outside.
extension PostgresStore: DeviceStore {
    public func createDevice(_ device: Device) async throws {
        try await Self.mappingTokenConflict {
            try await self.database.write { db in
                _ = try await db.execute(
                    sql: """
                        INSERT INTO device(id, tenant_id, customer_id, profile_id, name, type, label, is_gateway, access_token, created_time)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        device.id.description, device.tenantID.description, device.customerID?.description,
                        device.profileID?.description, device.name, device.type, device.label, device.isGateway,
                        device.accessToken, device.createdTime,
                    ])
            }
        }
    }

    /// A token taken by another device (of any tenant; the check before the write can race) fails the UNIQUE
    /// constraint: answered as `accessTokenUnavailable` (400), never a 500 that would confirm the token exists.
    /// Other violations (a name taken in the tenant) pass on unchanged.
    static func mappingTokenConflict(_ write: () async throws -> Void) async throws {
        do {
            try await write()
        } catch let violation as UniqueViolation where violation.constraint == "device_access_token_key" {
            throw StewardError.accessTokenUnavailable
        }
    }

    /// A new token is recorded as a device change in the same transaction, so sessions opened with the old one end
    /// in every process.
    public func updateDevice(_ device: Device) async throws {
        var tokenChanged = false
        try await Self.mappingTokenConflict {
            tokenChanged = try await self.database.write { db -> Bool in
                let previousToken = try await db.fetchValue(
                    String.self, sql: "SELECT access_token FROM device WHERE id = ? AND tenant_id = ?",
                    arguments: [device.id.description, device.tenantID.description])
                let changed = try await db.execute(
                    sql: """
                        UPDATE device SET customer_id = ?, profile_id = ?, name = ?, type = ?, label = ?, is_gateway = ?, access_token = ?
                        WHERE id = ? AND tenant_id = ?
                        """,
                    arguments: [
                        device.customerID?.description, device.profileID?.description, device.name, device.type, device.label,
                        device.isGateway, device.accessToken, device.id.description, device.tenantID.description,
                    ])
                if changed == 0 { throw StewardError.notFound("Device with id [\(device.id)] is not found") }
                guard previousToken != device.accessToken else { return false }
                try await self.recordDeviceChange(db, kind: .credentialsChanged, device: device.id)
                return true
            }
        }
        forgetCachedToken(of: device.id)
        if tokenChanged { announceDeviceChanges() }
    }

    public func device(tenant: TenantID, id: DeviceID) async throws -> Device? {
        try await database.read { db in
            try await db.fetchOne(
                sql: "SELECT * FROM device WHERE tenant_id = ? AND id = ?", arguments: [tenant.description, id.description]
            ).map(Device.init(postgres:))
        }
    }

    public func device(tenant: TenantID, named name: String) async throws -> Device? {
        try await database.read { db in
            try await db.fetchOne(
                sql: "SELECT * FROM device WHERE tenant_id = ? AND name = ?", arguments: [tenant.description, name]
            ).map(Device.init(postgres:))
        }
    }

    public func devices(tenant: TenantID, customer: CustomerID?, textSearch: String?, limit: Int, offset: Int) async throws
        -> [Device]
    {
        let (filter, arguments) = Self.deviceFilter(tenant: tenant, customer: customer, textSearch: textSearch)
        return try await database.read { db in
            try await db.fetchAll(
                sql: "SELECT * FROM device WHERE \(filter) ORDER BY created_time DESC, seq DESC LIMIT ? OFFSET ?",
                arguments: arguments + [limit, offset]
            ).map(Device.init(postgres:))
        }
    }

    public func deviceCount(tenant: TenantID, customer: CustomerID?, textSearch: String?) async throws -> Int {
        let (filter, arguments) = Self.deviceFilter(tenant: tenant, customer: customer, textSearch: textSearch)
        return try await database.read { db in
            try await db.fetchValue(Int.self, sql: "SELECT COUNT(*) FROM device WHERE \(filter)", arguments: arguments) ?? 0
        }
    }

    /// The WHERE clause of a listing. The search matches a substring of the name ignoring case (SQLite's `LIKE`;
    /// here `ILIKE`), with `%`, `_` and `\` in the search taken literally.
    static func deviceFilter(tenant: TenantID, customer: CustomerID?, textSearch: String?) -> (String, SQLArguments) {
        var filter = "tenant_id = ?"
        var arguments: SQLArguments = [tenant.description]
        if let customer {
            filter += " AND customer_id = ?"
            arguments = arguments + [customer.description]
        }
        if let textSearch, !textSearch.isEmpty {
            filter += " AND name ILIKE ? ESCAPE '\\'"
            let escaped = textSearch.replacingOccurrences(of: "\\", with: "\\\\")
                .replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
            arguments = arguments + ["%\(escaped)%"]
        }
        return (filter, arguments)
    }

    /// Readings and attributes go with the device (they are keyed by `seq`, without foreign keys, as on SQLite);
    /// its claim offer cascades. The deletion is recorded for the processes holding its sessions.
    public func deleteDevice(tenant: TenantID, id: DeviceID) async throws -> Bool {
        let deleted = try await database.write { db -> Bool in
            guard
                let seq = try await db.fetchValue(
                    Int64.self, sql: "SELECT seq FROM device WHERE tenant_id = ? AND id = ?",
                    arguments: [tenant.description, id.description])
            else { return false }
            try await db.execute(sql: "DELETE FROM ts_kv WHERE device_seq = ?", arguments: [seq])
            try await db.execute(sql: "DELETE FROM ts_kv_latest WHERE device_seq = ?", arguments: [seq])
            try await db.execute(sql: "DELETE FROM ts_kv_expiry WHERE device_seq = ?", arguments: [seq])
            try await db.execute(sql: "DELETE FROM ts_rollup WHERE device_seq = ?", arguments: [seq])
            try await db.execute(sql: "DELETE FROM attribute_kv WHERE device_seq = ?", arguments: [seq])
            try await db.execute(sql: "DELETE FROM device WHERE seq = ?", arguments: [seq])
            try await self.recordDeviceChange(db, kind: .deleted, device: id)
            return true
        }
        forgetCachedToken(of: id)
        if deleted { announceDeviceChanges() }
        return deleted
    }

    /// Authentication's lookup, cached for `DeviceTokenCache.lifetimeMs` so most connects do not reach the database.
    public func device(accessToken: String) async throws -> Device? {
        let now = WallClock.nowMillis()
        if let cached = tokenCache.device(token: accessToken, now: now) { return cached }
        let device = try await database.read { db in
            try await db.fetchOne(sql: "SELECT * FROM device WHERE access_token = ?", arguments: [accessToken])
                .map(Device.init(postgres:))
        }
        tokenCache.remember(token: accessToken, device: device, now: now)
        return device
    }

    /// Drops every cached token of a device after it changed or was deleted in this process.
    func forgetCachedToken(of id: DeviceID) {
        tokenCache.forget(devices: [id])
    }

    public func createProfile(_ profile: DeviceProfile) async throws {
        try await database.write { db in try await Self.insertProfile(profile, db) }
    }

    static func insertProfile(_ profile: DeviceProfile, _ db: SQLConnection) async throws {
        try await db.execute(
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
        try await database.read { db in
            try await db.fetchAll(
                sql: "SELECT * FROM device_profile WHERE tenant_id = ? ORDER BY created_time", arguments: [tenant.description]
            ).map(DeviceProfile.init(postgres:))
        }
    }

    public func profile(tenant: TenantID, named name: String) async throws -> DeviceProfile? {
        try await database.read { db in
            try await db.fetchOne(
                sql: "SELECT * FROM device_profile WHERE tenant_id = ? AND name = ?", arguments: [tenant.description, name]
            ).map(DeviceProfile.init(postgres:))
        }
    }

    public func profile(provisionKey: String) async throws -> DeviceProfile? {
        try await database.read { db in
            try await db.fetchOne(sql: "SELECT * FROM device_profile WHERE provision_key = ?", arguments: [provisionKey])
                .map(DeviceProfile.init(postgres:))
        }
    }

    /// The storage key of a device of any tenant (claiming happens before the device has a tenant the caller
    /// knows).
    func deviceKey(_ db: SQLConnection, _ device: DeviceID) async throws -> Int64? {
        try await db.fetchValue(Int64.self, sql: "SELECT seq FROM device WHERE id = ?", arguments: [device.description])
    }

    public func saveClaimOffer(device: DeviceID, offer: ClaimOffer) async throws {
        try await database.write { db in
            guard let seq = try await self.deviceKey(db, device) else {
                throw StewardError.notFound("Device with id [\(device)] is not found")
            }
            try await db.execute(
                sql: """
                    INSERT INTO claim_offer(device_seq, secret_key, expires_at) VALUES (?, ?, ?)
                    ON CONFLICT (device_seq) DO UPDATE SET secret_key = excluded.secret_key, expires_at = excluded.expires_at
                    """,
                arguments: [seq, offer.secretKey, offer.expiresAt])
        }
    }

    public func claimOffer(device: DeviceID) async throws -> ClaimOffer? {
        try await database.read { db in
            guard let seq = try await self.deviceKey(db, device) else { return nil }
            guard let row = try await db.fetchOne(sql: "SELECT * FROM claim_offer WHERE device_seq = ?", arguments: [seq])
            else { return nil }
            return ClaimOffer(secretKey: try row["secret_key"], expiresAt: try row["expires_at"])
        }
    }

    public func deleteClaimOffer(device: DeviceID) async throws {
        try await database.write { db in
            guard let seq = try await self.deviceKey(db, device) else { return }
            try await db.execute(sql: "DELETE FROM claim_offer WHERE device_seq = ?", arguments: [seq])
        }
    }
}
