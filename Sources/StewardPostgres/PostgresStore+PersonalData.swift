import Foundation
import PostgresNIO
import StewardCore
import StewardStore
import StewardVault

/// Everything held about one person, as the access report and the export read it: the devices that concern them,
/// their readings page by page, device attributes and erasure receipts. The records of other kinds are in
/// `PostgresStore+PersonalRecords.swift`, the erasure in `PostgresStore+Erasure.swift`.
extension PostgresStore: PersonalDataStore {
    public func devices(concerning user: UserID) async throws -> [PersonDevice] {
        try await database.read { db in try await Self.devicesConcerning(db, user) }
    }

    static func devicesConcerning(_ db: SQLConnection, _ user: UserID) async throws -> [PersonDevice] {
        let id = user.description
        // The person's own tenant counts as theirs when no one else is in it.
        let soleTenant = try await Self.soleTenant(db, user)?.description
        return try await db.fetchAll(
            sql: """
                SELECT d.seq, d.id, d.tenant_id, d.name, d.type, p.name AS profile, d.person_id = ? AS assigned
                FROM device d LEFT JOIN device_profile p ON p.id = d.profile_id
                WHERE d.person_id = ? OR d.tenant_id = ? ORDER BY d.created_time, d.seq
                """, arguments: [id, id, soleTenant]
        ).map { row in
            PersonDevice(
                seq: try row["seq"], id: try PostgresRecords.id(row, "id", DeviceID.init),
                tenantID: try PostgresRecords.id(row, "tenant_id", TenantID.init), name: try row["name"], type: try row["type"],
                profileName: try row["profile"], assigned: (try row["assigned"] as Bool?) ?? false)
        }
    }

    public func assignDevice(tenant: TenantID, device: DeviceID, to person: UserID?) async throws {
        try await database.write { db in
            let seq = try await self.scopedDeviceKey(db, tenant: tenant, device: device)
            if let person {
                guard
                    try await db.fetchOne(
                        sql: "SELECT 1 FROM \"user\" WHERE id = ? AND tenant_id = ?", arguments: [person.description, tenant.description])
                        != nil
                else { throw StewardError.notFound("User with id [\(person)] is not found") }
            }
            try await db.execute(sql: "UPDATE device SET person_id = ? WHERE seq = ?", arguments: [person?.description, seq])
        }
        forgetSealingTargets()
    }

    public func readings(device seq: Int64, after cursor: (keyID: Int64, ts: Int64)?, limit: Int) async throws -> ReadingPage {
        try await database.read { db in
            // The export's hot loop: one statement per page, key names joined in (a page spans few keys).
            let rows = try await db.fetchAll(
                sql: """
                    SELECT r.key_id, k.key, r.ts, r.t, r.v_long, r.v_double, r.v_text, r.v_sealed
                    FROM ts_kv r JOIN ts_key k ON k.id = r.key_id
                    WHERE r.device_seq = ? AND (r.key_id, r.ts) > (?, ?) ORDER BY r.key_id, r.ts LIMIT ?
                    """,
                arguments: [seq, cursor?.keyID ?? -1, cursor?.ts ?? Int64.min, limit])
            var readings: [StoredReading] = []
            readings.reserveCapacity(rows.count)
            var last: (keyID: Int64, ts: Int64)? = nil
            for row in rows {
                let keyID: Int64 = try row["key_id"]
                let ts: Int64 = try row["ts"]
                last = (keyID, ts)
                // A reading whose person's key is gone is left out, but the cursor moves past it.
                guard let value = try StoredValue(row: row).value(keys: self.keys) else { continue }
                readings.append(StoredReading(keyID: keyID, key: try row["key"], ts: ts, value: value))
            }
            return ReadingPage(readings: readings, next: rows.count < limit ? nil : last)
        }
    }

    public func readingCount(devices: [Int64]) async throws -> Int {
        guard !devices.isEmpty else { return 0 }
        return try await database.read { db in
            Int(try await db.fetchValue(Int64.self, sql: "SELECT COUNT(*) FROM ts_kv WHERE device_seq = ANY(?)", arguments: [devices]) ?? 0)
        }
    }

    public func readingCounts(device seq: Int64) async throws -> [String: Int] {
        try await database.read { db in
            var counts: [String: Int] = [:]
            for row in try await db.fetchAll(
                sql: "SELECT k.key, COUNT(*) AS n FROM ts_kv r JOIN ts_key k ON k.id = r.key_id WHERE r.device_seq = ? GROUP BY k.key",
                arguments: [seq])
            {
                counts[try row["key"]] = Int(try row["n"] as Int64)
            }
            return counts
        }
    }

    public func telemetryKeys(device seq: Int64) async throws -> [String] {
        try await database.read { db in
            try await db.fetchValues(
                String.self,
                sql: "SELECT k.key FROM ts_kv_latest l JOIN ts_key k ON k.id = l.key_id WHERE l.device_seq = ? ORDER BY k.key COLLATE \"C\"",
                arguments: [seq])
        }
    }

    public func soleTenant(of user: UserID) async throws -> TenantID? {
        try await database.read { db in try await Self.soleTenant(db, user) }
    }

    static func soleTenant(_ db: SQLConnection, _ user: UserID) async throws -> TenantID? {
        try await db.fetchValue(
            String.self,
            sql: """
                SELECT t.id FROM tenant t JOIN "user" me ON me.tenant_id = t.id
                WHERE me.id = ? AND \(soleMember(of: "t.id")) = me.id
                """, arguments: [user.description]
        ).flatMap(TenantID.init)
    }

    public func attributeRows(device seq: Int64) async throws -> [[JSONValue]] {
        try await database.read { db in
            try await db.fetchAll(
                sql: """
                    SELECT scope, key, last_update_ts, \(StoredValue.columns) FROM attribute_kv WHERE device_seq = ?
                    ORDER BY scope, key COLLATE "C"
                    """,
                arguments: [seq]
            ).map { row in
                let code = Int(try row["scope"] as Int16)
                let value = try StoredValue(row: row).value(keys: self.keys)
                return [
                    .string(AttributeScope(code: code)?.rawValue ?? "\(code)"), .string(try row["key"]),
                    .number("\(try row["last_update_ts"] as Int64)"), value.map { .string($0.stringValue) } ?? .null,
                ]
            }
        }
    }

    public func receipt(id: String) async throws -> ErasureReceiptRecord? {
        try await database.read { db in
            try await db.fetchOne(sql: "SELECT id, time, body FROM erasure_receipt WHERE id = ?", arguments: [id]).map {
                ErasureReceiptRecord(id: try $0["id"], time: try $0["time"], body: try $0["body"])
            }
        }
    }

    /// Tables whose deleted rows may hold an erased person's data, vacuumed after an erasure.
    static let erasedRemnantTables = ["\"user\"", "sign_in", "mail_outbox", "session", "api_key", "attribute_kv", "ts_kv_latest"]

    /// Best effort, as the protocol says. PostgreSQL has no `secure_delete`: a deleted row stays in its heap page until
    /// `VACUUM` reclaims it, and WAL segments are recycled, not zeroed. So the tables an erasure empties of the
    /// person are vacuumed (outside a transaction, as `VACUUM` requires), then a `CHECKPOINT` lets older WAL be
    /// recycled; a server that refuses `CHECKPOINT` to this role (it needs `pg_checkpoint` or superuser) is left to
    /// checkpoint on its own schedule. `ts_kv` is left to autovacuum: vacuuming every monthly partition per erasure is
    /// too slow.
    ///
    /// The guarantee on PostgreSQL is crypto-shredding: contact details and sensitive readings are sealed with the
    /// person's key, which the erasure destroys, so any copy left in dead tuples, WAL or a `pg_dump` is noise. Plain,
    /// non-sensitive readings and attributes may linger in dead tuples or WAL until vacuum and WAL recycling.
    public func purgeErasedRemnants() async throws {
        let logger = database.logger
        try await database.withoutTransaction { db in
            for table in Self.erasedRemnantTables {
                try await db.execute(sql: "VACUUM \(table)")
            }
            do {
                try await db.execute(sql: "CHECKPOINT")
            } catch let error as PSQLError where error.serverInfo?[.sqlState] == "42501" {
                logger.notice("CHECKPOINT after an erasure was refused (the role lacks pg_checkpoint); the server checkpoints later")
            }
        }
    }
}
