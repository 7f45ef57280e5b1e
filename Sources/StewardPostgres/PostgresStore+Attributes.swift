import Foundation
import StewardCore
import StewardStore

/// Device attributes, as on SQLite: one row per (device, scope, key), overwritten by a newer save, in the typed value
/// columns (`StoredValue`).
extension PostgresStore: AttributeStore {
    /// An attribute's columns: sealed with the person's key, like a reading, when the device service said its key is
    /// sensitive (a device reporting its position as `latitude`/`longitude` attributes) and the device concerns a
    /// person (promise MS-6). Its key stays plain, so it is still found by key.
    func storedAttribute(_ kv: KeyValue, target: IngestTarget, sensitiveKeys: Set<String>) throws -> StoredValue {
        guard let person = target.person, let key = target.key, sensitiveKeys.contains(kv.key) else { return StoredValue(kv.value) }
        return try StoredValue(sealing: kv.value, subject: person, key: key)
    }

    public func saveAttributes(
        tenant: TenantID, device: DeviceID, scope: StewardCore.AttributeScope, values: [KeyValue], ts: Int64,
        sensitiveKeys: Set<String>
    ) async throws {
        try await database.write { db in
            let seq = try await self.scopedDeviceKey(db, tenant: tenant, device: device)
            let target = try await self.ingestTarget(db, seq: seq, sealing: values.contains { sensitiveKeys.contains($0.key) })
            // One statement per value, in order: a key named twice keeps its last value, as SQLite's INSERT OR REPLACE.
            for kv in values {
                let stored = try self.storedAttribute(kv, target: target, sensitiveKeys: sensitiveKeys)
                try await db.execute(
                    sql: """
                        INSERT INTO attribute_kv(device_seq, scope, key, last_update_ts, t, v_long, v_double, v_text, v_sealed)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT (device_seq, scope, key) DO UPDATE SET last_update_ts = excluded.last_update_ts,
                            t = excluded.t, v_long = excluded.v_long, v_double = excluded.v_double, v_text = excluded.v_text,
                            v_sealed = excluded.v_sealed
                        """,
                    arguments: [
                        seq, Int16(scope.code), kv.key, ts, stored.t, stored.long, stored.double, stored.text, stored.sealed,
                    ])
            }
        }
    }

    /// Ordered by key bytewise (`COLLATE "C"`), as SQLite orders text. A sealed value whose key is gone (the person
    /// was erased) is left out.
    public func attributes(tenant: TenantID, device: DeviceID, scope: StewardCore.AttributeScope, keys: [String]?) async throws
        -> [AttributeEntry]
    {
        if let keys, keys.isEmpty {
            // Still answers "not found" for a device outside the tenant.
            _ = try await database.read { db in try await self.scopedDeviceKey(db, tenant: tenant, device: device) }
            return []
        }
        let rows = try await database.read { db -> [SQLRow] in
            let seq = try await self.scopedDeviceKey(db, tenant: tenant, device: device)
            var sql = "SELECT key, last_update_ts, \(StoredValue.columns) FROM attribute_kv WHERE device_seq = ? AND scope = ?"
            var arguments: SQLArguments = [seq, Int16(scope.code)]
            if let keys {
                sql += " AND key = ANY(?)"
                arguments = arguments + [keys]
            }
            sql += #" ORDER BY key COLLATE "C""#
            return try await db.fetchAll(sql: sql, arguments: arguments)
        }
        return try rows.compactMap { row in
            guard let value = try StoredValue(row: row).value(keys: self.keys) else { return nil }
            return AttributeEntry(key: try row["key"], value: value, lastUpdateTs: try row["last_update_ts"])
        }
    }

    /// The keys that were there and are now deleted, in the order asked.
    public func deleteAttributes(tenant: TenantID, device: DeviceID, scope: StewardCore.AttributeScope, keys: [String]) async throws
        -> [String]
    {
        try await database.write { db in
            let seq = try await self.scopedDeviceKey(db, tenant: tenant, device: device)
            var deleted: [String] = []
            for key in keys {
                let count = try await db.execute(
                    sql: "DELETE FROM attribute_kv WHERE device_seq = ? AND scope = ? AND key = ?",
                    arguments: [seq, Int16(scope.code), key])
                if count > 0 { deleted.append(key) }
            }
            return deleted
        }
    }
}
