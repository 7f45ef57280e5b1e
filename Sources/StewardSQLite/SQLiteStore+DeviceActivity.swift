import GRDB
import StewardCore
import StewardStore

extension SQLiteStore {
    /// The newest reading per device, from the latest-values table (one row per device and key), in one query per
    /// 500 devices: the console's device list asks for a page at a time.
    public func newestReadingTimes(tenant: TenantID, devices: [DeviceID]) async throws -> [DeviceID: Int64] {
        let ids = Array(Set(devices.map(\.description)))
        if ids.isEmpty { return [:] }
        return try await pool.read { db in
            var result: [DeviceID: Int64] = [:]
            var start = 0
            while start < ids.count {
                let chunk = Array(ids[start..<min(start + 500, ids.count)])
                start += chunk.count
                let sql = """
                    SELECT d.id, MAX(l.ts) AS ts FROM device d JOIN ts_kv_latest l ON l.device_seq = d.seq
                    WHERE d.tenant_id = ? AND d.id IN (\(Array(repeating: "?", count: chunk.count).joined(separator: ",")))
                    GROUP BY d.id
                    """
                for row in try Row.fetchAll(db, sql: sql, arguments: StatementArguments([tenant.description] + chunk)) {
                    if let id = DeviceID(row["id"] as String) { result[id] = row["ts"] }
                }
            }
            return result
        }
    }
}
