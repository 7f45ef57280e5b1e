import GRDB
import StewardCore
import StewardStore

extension SQLiteStore {
    public func deleteReadings(tenant: TenantID, device: DeviceID, _ deletion: ReadingDeletion) async throws -> [String: Int] {
        try deletion.validate()
        return try await pool.write { db in
            let seq = try self.scopedDeviceKey(db, tenant: tenant, device: device)
            var known: [String: Int64] = [:]
            for (key, id) in try Self.keyIDs(db, deletion.keys)
            where try Bool.fetchOne(db, sql: ReadingDeletion.knownKeySQL, arguments: [seq, id, seq, id]) == true {
                known[key] = id
            }
            var deleted: [String: Int] = [:]
            for (key, id) in try deletion.resolve(known: known) {
                let range: StatementArguments = [seq, id, deletion.startTs, deletion.endTs]
                try db.execute(sql: ReadingDeletion.deleteRangeSQL("ts_kv"), arguments: range)
                deleted[key, default: 0] += db.changesCount
                try db.execute(sql: ReadingDeletion.deleteRangeSQL("ts_kv_expiry"), arguments: range)
                guard deletion.deleteLatest else { continue }
                try db.execute(sql: ReadingDeletion.deleteRangeSQL("ts_kv_latest"), arguments: range)
                if db.changesCount > 0, deletion.rewriteLatest {
                    try db.execute(
                        sql: """
                            INSERT INTO ts_kv_latest(device_seq, key_id, ts, t, v)
                            SELECT device_seq, key_id, ts, t, v FROM ts_kv WHERE device_seq = ? AND key_id = ? ORDER BY ts DESC LIMIT 1
                            """, arguments: [seq, id])
                }
            }
            return deleted
        }
    }
}
