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
            // The export's hot loop. A page comes back as one row of arrays, one per column (the mirror of the
            // ingest's unnest): decoding 20,000 result rows one by one cost more than the query. Arrays cannot
            // carry NULL, so the unused value columns read as 0, 0.0, '' and an empty bytea; `t` picks the one kept.
            guard
                let row = try await db.fetchOne(
                    sql: """
                        SELECT array_agg(key_id), array_agg(ts), array_agg(t), array_agg(COALESCE(v_long, 0)),
                               array_agg(COALESCE(v_double, 0)), array_agg(COALESCE(v_text, '')),
                               array_agg(COALESCE(v_sealed, ''::bytea))
                        FROM (SELECT key_id, ts, t, v_long, v_double, v_text, v_sealed FROM ts_kv
                              WHERE device_seq = ? AND (key_id, ts) > (?, ?) ORDER BY key_id, ts LIMIT ?) page
                        """,
                    arguments: [seq, cursor?.keyID ?? -1, cursor?.ts ?? Int64.min, limit]),
                let keyIDs = try row.value(at: 0, as: [Int64]?.self)
            else { return ReadingPage(readings: [], next: nil) }
            let stamps = try row.value(at: 1, as: [Int64].self)
            let tags = try row.value(at: 2, as: [Int16].self)
            let longs = try row.value(at: 3, as: [Int64].self)
            let doubles = try row.value(at: 4, as: [Double].self)
            let texts = try row.value(at: 5, as: [String].self)
            let sealed = try row.value(at: 6, as: [ByteBuffer].self)
            let count = keyIDs.count
            guard stamps.count == count, tags.count == count, longs.count == count, doubles.count == count,
                texts.count == count, sealed.count == count
            else { throw StewardError(.internal, "A page of readings came back with columns of different lengths") }
            // array_agg keeps the sorted subquery's order; the page is put in order anyway if it ever did not, so
            // the cursor (the last reading) never skips one.
            var order = Array(0..<count)
            if !zip(order, order.dropFirst()).allSatisfy({ (keyIDs[$0], stamps[$0]) < (keyIDs[$1], stamps[$1]) }) {
                order.sort { (keyIDs[$0], stamps[$0]) < (keyIDs[$1], stamps[$1]) }
            }
            let names = try await self.telemetryKeyNames(db, Set(keyIDs))
            var readings: [StoredReading] = []
            readings.reserveCapacity(count)
            for i in order {
                let stored = StoredValue(
                    t: tags[i], long: longs[i], double: doubles[i], text: texts[i],
                    sealed: Int64(tags[i]) >= SealedReading.offset ? Array(sealed[i].readableBytesView) : nil)
                // A reading whose person's key is gone is left out, but the cursor moves past it.
                guard let value = stored.value(keys: self.keys), let name = names[keyIDs[i]] else { continue }
                readings.append(StoredReading(keyID: keyIDs[i], key: name, ts: stamps[i], value: value))
            }
            let last = order.last.map { (keyID: keyIDs[$0], ts: stamps[$0]) }
            return ReadingPage(readings: readings, next: count < limit ? nil : last)
        }
    }

    /// The names of telemetry key ids.
    func telemetryKeyNames(_ db: SQLConnection, _ ids: Set<Int64>) async throws -> [Int64: String] {
        var names: [Int64: String] = [:]
        for row in try await db.fetchAll(sql: "SELECT id, key FROM ts_key WHERE id = ANY(?)", arguments: [Array(ids)]) {
            names[try row["id"] as Int64] = try row["key"] as String
        }
        return names
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

    public func rollupRows(device seq: Int64) async throws -> [[JSONValue]] {
        try await database.read { db in
            try await db.fetchAll(sql: RollupRows.sql, arguments: [seq]).map {
                RollupRows.row(
                    key: try $0["key"], width: try $0["width"], start: try $0["start"], count: try $0["n"], numeric: try $0["numeric_n"],
                    total: try $0["total"], low: try $0["low"], high: try $0["high"])
            }
        }
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
