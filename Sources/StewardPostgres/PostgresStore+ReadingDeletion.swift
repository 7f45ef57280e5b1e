import StewardCore
import StewardStore

extension PostgresStore {
    public func deleteReadings(tenant: TenantID, device: DeviceID, _ deletion: ReadingDeletion) async throws -> [String: Int] {
        try deletion.validate()
        let keys = Self.storableKeys(deletion.keys)
        return try await database.write { db in
            let seq = try await self.scopedDeviceKey(db, tenant: tenant, device: device)
            var ids: [String: Int64] = [:]
            for row in try await db.fetchAll(sql: "SELECT id, key FROM ts_key WHERE key = ANY(?)", arguments: [keys]) {
                ids[try row["key"]] = try row["id"] as Int64
            }
            var known: [String: Int64] = [:]
            for (key, id) in ids where try await db.fetchValue(Bool.self, sql: ReadingDeletion.knownKeySQL, arguments: [seq, id, seq, id]) == true {
                known[key] = id
            }
            var deleted: [String: Int] = [:]
            for (key, id) in try deletion.resolve(known: known) {
                let range: SQLArguments = [seq, id, deletion.startTs, deletion.endTs]
                deleted[key, default: 0] += try await db.execute(sql: ReadingDeletion.deleteRangeSQL("ts_kv"), arguments: range)
                _ = try await db.execute(sql: ReadingDeletion.deleteRangeSQL("ts_kv_expiry"), arguments: range)
                guard deletion.deleteLatest else { continue }
                let latest = try await db.execute(sql: ReadingDeletion.deleteRangeSQL("ts_kv_latest"), arguments: range)
                if latest > 0, deletion.rewriteLatest {
                    _ = try await db.execute(
                        sql: """
                            INSERT INTO ts_kv_latest(device_seq, key_id, ts, t, v_long, v_double, v_text, v_sealed)
                            SELECT device_seq, key_id, ts, t, v_long, v_double, v_text, v_sealed FROM ts_kv
                            WHERE device_seq = ? AND key_id = ? ORDER BY ts DESC LIMIT 1
                            """, arguments: [seq, id])
                }
            }
            return deleted
        }
    }
}
