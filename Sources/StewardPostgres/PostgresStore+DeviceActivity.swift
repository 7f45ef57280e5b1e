import StewardCore
import StewardStore

extension PostgresStore {
    /// The newest reading per device, from the latest-values table (one row per device and key), in one query.
    public func newestReadingTimes(tenant: TenantID, devices: [DeviceID]) async throws -> [DeviceID: Int64] {
        let ids = Array(Set(devices.map(\.description)))
        if ids.isEmpty { return [:] }
        return try await database.read { db in
            var result: [DeviceID: Int64] = [:]
            let rows = try await db.fetchAll(
                sql: """
                    SELECT d.id, MAX(l.ts) AS ts FROM device d JOIN ts_kv_latest l ON l.device_seq = d.seq
                    WHERE d.tenant_id = ? AND d.id = ANY(?) GROUP BY d.id
                    """,
                arguments: [tenant.description, ids])
            for row in rows {
                if let id = DeviceID(try row["id"] as String) { result[id] = try row["ts"] as Int64 }
            }
            return result
        }
    }
}
