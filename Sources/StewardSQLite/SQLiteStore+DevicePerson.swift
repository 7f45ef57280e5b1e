import GRDB
import StewardCore
import StewardStore

extension SQLiteStore {
    public func person(concerning device: DeviceID, tenant: TenantID) async throws -> UserID? {
        try await pool.read { db in
            try String.fetchOne(
                db, sql: "SELECT \(Self.devicePerson) FROM device d WHERE d.id = ? AND d.tenant_id = ?",
                arguments: [device.description, tenant.description]
            ).flatMap(UserID.init)
        }
    }
}

extension SQLiteStore {
    public func dataCounts(device: DeviceID, tenant: TenantID) async throws -> DeviceDataCounts? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: DeviceDataCounts.sql, arguments: [device.description, tenant.description]).map {
                DeviceDataCounts(readings: $0[0], attributes: $0[1], totals: $0[2])
            }
        }
    }
}
