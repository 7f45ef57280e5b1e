import StewardCore
import StewardStore

extension PostgresStore {
    public func person(concerning device: DeviceID, tenant: TenantID) async throws -> UserID? {
        try await database.read { db in
            try await db.fetchValue(
                String.self, sql: "SELECT \(Self.devicePerson) FROM device d WHERE d.id = ? AND d.tenant_id = ?",
                arguments: [device.description, tenant.description]
            ).flatMap(UserID.init)
        }
    }
}

extension PostgresStore {
    public func dataCounts(device: DeviceID, tenant: TenantID) async throws -> DeviceDataCounts? {
        try await database.read { db in
            guard let row = try await db.fetchAll(sql: DeviceDataCounts.sql, arguments: [device.description, tenant.description]).first
            else { return nil }
            return DeviceDataCounts(
                readings: Int(try row.value(at: 0, as: Int64.self)), attributes: Int(try row.value(at: 1, as: Int64.self)),
                totals: Int(try row.value(at: 2, as: Int64.self)))
        }
    }
}
