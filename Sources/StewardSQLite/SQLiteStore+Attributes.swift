import Crypto
import GRDB
import StewardCore
import StewardStore

extension SQLiteStore: AttributeStore {
    /// An attribute's type tag and value as stored: sealed with the person's key, like a reading, when the device
    /// service said its key is sensitive (a device reporting its position as `latitude`/`longitude` attributes) and
    /// the device concerns a person (promise MS-6). Its key stays plain, so it is still found by key.
    func storedAttribute(_ kv: KeyValue, target: IngestTarget?, sensitiveKeys: Set<String>) throws -> (t: Int64, v: DatabaseValue) {
        guard let target, let person = target.person, let keyBytes = target.keyBytes, sensitiveKeys.contains(kv.key)
        else { return (kv.value.typeTag, kv.value.storedValue) }
        let sealed = try SealedReadings.sealedValue(kv.value, subject: person, key: SymmetricKey(data: keyBytes))
        return (kv.value.typeTag + SealedReadings.offset, sealed)
    }

    public func saveAttributes(
        tenant: TenantID, device: DeviceID, scope: AttributeScope, values: [KeyValue], ts: Int64, sensitiveKeys: Set<String>
    ) async throws {
        try await pool.write { db in
            let seq = try self.scopedDeviceKey(db, tenant: tenant, device: device)
            let target = try self.ingestTarget(db, device, sealing: values.contains { sensitiveKeys.contains($0.key) })
            let statement = try db.cachedStatement(
                sql: "INSERT OR REPLACE INTO attribute_kv(device_seq, scope, key, last_update_ts, t, v) VALUES (?, ?, ?, ?, ?, ?)")
            for kv in values {
                let stored = try self.storedAttribute(kv, target: target, sensitiveKeys: sensitiveKeys)
                try statement.execute(arguments: [seq, scope.code, kv.key, ts, stored.t, stored.v])
            }
        }
    }

    public func attributes(tenant: TenantID, device: DeviceID, scope: AttributeScope, keys: [String]?) async throws
        -> [AttributeEntry]
    {
        try await pool.read { db in
            let seq = try self.scopedDeviceKey(db, tenant: tenant, device: device)
            var sql = "SELECT key, last_update_ts, t, v FROM attribute_kv WHERE device_seq = ? AND scope = ?"
            var arguments: StatementArguments = [seq, scope.code]
            if let keys {
                if keys.isEmpty { return [] }
                sql += " AND key IN (\(Array(repeating: "?", count: keys.count).joined(separator: ",")))"
                arguments += StatementArguments(keys)
            }
            sql += " ORDER BY key"
            return try Row.fetchAll(db, sql: sql, arguments: arguments).compactMap { row in
                SealedReadings.value(t: row["t"], v: row["v"], keys: self.keys).map {
                    AttributeEntry(key: row["key"], value: $0, lastUpdateTs: row["last_update_ts"])
                }
            }
        }
    }

    public func deleteAttributes(tenant: TenantID, device: DeviceID, scope: AttributeScope, keys: [String]) async throws
        -> [String]
    {
        try await pool.write { db in
            let seq = try self.scopedDeviceKey(db, tenant: tenant, device: device)
            var deleted: [String] = []
            for key in keys {
                try db.execute(
                    sql: "DELETE FROM attribute_kv WHERE device_seq = ? AND scope = ? AND key = ?",
                    arguments: [seq, scope.code, key])
                if db.changesCount > 0 { deleted.append(key) }
            }
            return deleted
        }
    }
}
