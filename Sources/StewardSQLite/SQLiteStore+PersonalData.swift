import Foundation
import GRDB
import GRDBSQLite
import StewardCore
import StewardStore
import StewardVault

/// Everything held about one person, as the access report and the export read it.
extension SQLiteStore: PersonalDataStore {
    public func personalRecords(
        _ kind: PersonalRecordKind, of user: UserID, after cursor: Int64?, limit: Int
    ) async throws -> (table: PersonalTable, next: Int64?) {
        try await pool.read { db in
            let (spec, arguments) = try Self.personalRecordQuery(db, kind, user)
            let (table, last) = try self.page(
                db, spec, arguments: arguments,
                sql: "SELECT \(spec.key) AS _rid, \(spec.select) FROM \(spec.from) AND \(spec.key) > ? ORDER BY \(spec.key) LIMIT ?",
                extra: [cursor ?? Int64.min, limit])
            return (table, table.rows.count < limit ? nil : last)
        }
    }

    public func newestPersonalRecords(_ kind: PersonalRecordKind, of user: UserID, limit: Int) async throws -> (table: PersonalTable, total: Int) {
        try await pool.read { db in
            let (spec, arguments) = try Self.personalRecordQuery(db, kind, user)
            var (table, _) = try self.page(
                db, spec, arguments: arguments,
                sql: "SELECT \(spec.key) AS _rid, \(spec.select) FROM \(spec.from) ORDER BY \(spec.key) DESC LIMIT ?", extra: [limit])
            table.rows.reverse()
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(spec.from)", arguments: arguments) ?? 0
            return (table, total)
        }
    }

    /// The spec of a kind and its arguments for this person; notFound once the account is gone.
    static func personalRecordQuery(_ db: Database, _ kind: PersonalRecordKind, _ user: UserID) throws -> (PersonalRecordQuery, StatementArguments) {
        let spec = PersonalRecordQuery.of(kind)
        let id = user.description
        guard let emailHash = try String.fetchOne(db, sql: "SELECT email_hash FROM user WHERE id = ?", arguments: [id]) else {
            throw StewardError.notFound("No account with id \(id); it may already have been erased")
        }
        return (spec, spec.arguments(id, emailHash))
    }

    /// Rows of one query as a table; the first column (`_rid`) is the paging key, not part of the table.
    /// Sealed columns are opened.
    func page(
        _ db: Database, _ spec: PersonalRecordQuery, arguments: StatementArguments, sql: String, extra: StatementArguments
    ) throws -> (PersonalTable, Int64?) {
        let statement = try db.makeStatement(sql: sql)
        let columns = Array(statement.columnNames.dropFirst())
        let sealed = columns.map { spec.sealed[$0] }
        var rows: [[JSONValue]] = []
        var last: Int64?
        let cursor = try Row.fetchCursor(statement, arguments: arguments + extra)
        while let row = try cursor.next() {
            last = row[0]
            rows.append(
                try (1..<row.count).map { index in
                    let value: DatabaseValue = row[index]
                    guard let column = sealed[index - 1] else { return Self.json(value) }
                    return Self.json(try openContact(value, in: column))
                })
        }
        return (PersonalTable(name: spec.kind.rawValue, columns: columns, rows: rows), last)
    }

    public func devices(concerning user: UserID) async throws -> [PersonDevice] {
        try await pool.read { db in try Self.devicesConcerning(db, user) }
    }

    static func devicesConcerning(_ db: Database, _ user: UserID) throws -> [PersonDevice] {
        let id = user.description
        // The person's own tenant counts as theirs when no one else is in it.
        let soleTenant = try Self.soleTenant(db, user)?.description
        return try Row.fetchAll(
            db,
            sql: """
                SELECT d.seq, d.id, d.tenant_id, d.name, d.type, p.name AS profile, d.person_id = ? AS assigned
                FROM device d LEFT JOIN device_profile p ON p.id = d.profile_id
                WHERE d.person_id = ? OR d.tenant_id = ? ORDER BY d.created_time, d.seq
                """, arguments: [id, id, soleTenant]
        ).map { row in
            PersonDevice(
                seq: row["seq"], id: DeviceID(row["id"] as String)!, tenantID: TenantID(row["tenant_id"] as String)!,
                name: row["name"], type: row["type"], profileName: row["profile"], assigned: (row["assigned"] as Bool?) ?? false)
        }
    }

    public func assignDevice(tenant: TenantID, device: DeviceID, to person: UserID?) async throws {
        try await pool.write { db in
            let seq = try self.scopedDeviceKey(db, tenant: tenant, device: device)
            if let person {
                guard
                    try Bool.fetchOne(
                        db, sql: "SELECT 1 FROM user WHERE id = ? AND tenant_id = ?", arguments: [person.description, tenant.description])
                        != nil
                else { throw StewardError.notFound("User with id [\(person)] is not found") }
            }
            try db.execute(sql: "UPDATE device SET person_id = ? WHERE seq = ?", arguments: [person?.description, seq])
        }
        forgetSealingTargets()
    }

    public func readings(device seq: Int64, after cursor: (keyID: Int64, ts: Int64)?, limit: Int) async throws -> ReadingPage {
        try await pool.read { db in
            let statement = try db.cachedStatement(
                sql: "SELECT key_id, ts, t, v FROM ts_kv WHERE device_seq = ? AND (key_id, ts) > (?, ?) ORDER BY key_id, ts LIMIT ?")
            try statement.setArguments([seq, cursor?.keyID ?? -1, cursor?.ts ?? Int64.min, limit])
            // The export's hot loop: columns are read with SQLite's C API, without a GRDB Row per reading, and key
            // names are looked up once per key and shared by every reading of the page.
            let handle = statement.sqliteStatement
            var names: [Int64: String] = [:]
            var readings: [StoredReading] = []
            readings.reserveCapacity(limit)
            var rowsRead = 0
            var last: (keyID: Int64, ts: Int64)? = nil
            defer { sqlite3_reset(handle) }
            while true {
                let code = sqlite3_step(handle)
                if code == SQLITE_DONE { break }
                guard code == SQLITE_ROW else {
                    throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
                }
                let keyID = sqlite3_column_int64(handle, 0)
                let ts = sqlite3_column_int64(handle, 1)
                let t = sqlite3_column_int64(handle, 2)
                rowsRead += 1
                last = (keyID, ts)
                let value: KVValue?
                switch t {
                case 1: value = .bool(sqlite3_column_int64(handle, 3) != 0)
                case 2 where sqlite3_column_type(handle, 3) == SQLITE_INTEGER: value = .long(sqlite3_column_int64(handle, 3))
                case 3 where sqlite3_column_type(handle, 3) == SQLITE_FLOAT: value = .double(sqlite3_column_double(handle, 3))
                case 4, 5:
                    let count = Int(sqlite3_column_bytes(handle, 3))
                    let text = sqlite3_column_text(handle, 3).map { String(decoding: UnsafeBufferPointer(start: $0, count: count), as: UTF8.self) } ?? ""
                    value = t == 4 ? .string(text) : .json(text)
                default:
                    value = SealedReadings.value(t: t, v: DatabaseValue(sqliteStatement: handle, index: 3), keys: self.keys)
                }
                guard let value else { continue }
                let key: String
                if let known = names[keyID] {
                    key = known
                } else {
                    key = try String.fetchOne(db.cachedStatement(sql: "SELECT key FROM ts_key WHERE id = ?"), arguments: [keyID]) ?? "\(keyID)"
                    names[keyID] = key
                }
                readings.append(StoredReading(keyID: keyID, key: key, ts: ts, value: value))
            }
            return ReadingPage(readings: readings, next: rowsRead < limit ? nil : last)
        }
    }

    public func readingCount(devices: [Int64]) async throws -> Int {
        guard !devices.isEmpty else { return 0 }
        return try await pool.read { db in
            try Int.fetchOne(
                db, sql: "SELECT COUNT(*) FROM ts_kv WHERE device_seq IN (\(devices.map { _ in "?" }.joined(separator: ",")))",
                arguments: StatementArguments(devices)) ?? 0
        }
    }

    public func readingCounts(device seq: Int64) async throws -> [String: Int] {
        try await pool.read { db in
            var counts: [String: Int] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT k.key, COUNT(*) FROM ts_kv r JOIN ts_key k ON k.id = r.key_id WHERE r.device_seq = ? GROUP BY r.key_id",
                arguments: [seq])
            {
                counts[row[0]] = row[1]
            }
            return counts
        }
    }

    public func telemetryKeys(device seq: Int64) async throws -> [String] {
        try await pool.read { db in
            try String.fetchAll(
                db, sql: "SELECT k.key FROM ts_kv_latest l JOIN ts_key k ON k.id = l.key_id WHERE l.device_seq = ? ORDER BY k.key",
                arguments: [seq])
        }
    }

    public func soleTenant(of user: UserID) async throws -> TenantID? {
        try await pool.read { db in try Self.soleTenant(db, user) }
    }

    /// SQL naming the only member of the tenant in `tenantColumn`, or NULL when it has none or several: the person a
    /// single-person workspace (and its devices) belongs to.
    static func soleMember(of tenantColumn: String) -> String {
        """
        (SELECT u.id FROM user u WHERE u.tenant_id = \(tenantColumn)
         AND NOT EXISTS (SELECT 1 FROM user o WHERE o.tenant_id = \(tenantColumn) AND o.id <> u.id))
        """
    }

    /// SQL naming the person a device (alias `d`) concerns: its assignee, else the only member of its tenant.
    static let devicePerson = "COALESCE(d.person_id, \(soleMember(of: "d.tenant_id")))"

    static func soleTenant(_ db: Database, _ user: UserID) throws -> TenantID? {
        try String.fetchOne(
            db,
            sql: """
                SELECT t.id FROM tenant t JOIN user me ON me.tenant_id = t.id
                WHERE me.id = ? AND \(soleMember(of: "t.id")) = me.id
                """, arguments: [user.description]
        ).flatMap(TenantID.init)
    }

    public func attributeRows(device seq: Int64) async throws -> [[JSONValue]] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT scope, key, last_update_ts, t, v FROM attribute_kv WHERE device_seq = ? ORDER BY scope, key",
                arguments: [seq]
            ).map { row in
                let scope = AttributeScope.allCases.first { Int64($0.code) == row["scope"] as Int64 }
                let value = SealedReadings.value(t: row["t"], v: row["v"], keys: self.keys)
                return [
                    .string(scope?.rawValue ?? "\(row["scope"] as Int64)"), .string(row["key"]), .number("\(row["last_update_ts"] as Int64)"),
                    value.map { .string($0.stringValue) } ?? .null,
                ]
            }
        }
    }

    public func rollupRows(device seq: Int64) async throws -> [[JSONValue]] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: RollupRows.sql, arguments: [seq]).map {
                RollupRows.row(
                    key: $0["key"], width: $0["width"], start: $0["start"], count: $0["n"], numeric: $0["numeric_n"], total: $0["total"],
                    low: $0["low"], high: $0["high"])
            }
        }
    }

    public func receipt(id: String) async throws -> ErasureReceiptRecord? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM erasure_receipt WHERE id = ?", arguments: [id]).map {
                ErasureReceiptRecord(id: $0["id"], time: $0["time"], body: $0["body"])
            }
        }
    }

    public func purgeErasedRemnants() async throws {
        try await pool.writeWithoutTransaction { db in
            _ = try db.checkpoint(.truncate)
        }
    }

    static func json(_ value: DatabaseValue) -> JSONValue {
        switch value.storage {
        case .null: return .null
        case .int64(let i): return .number(String(i))
        case .double(let d): return .number(KVValue.format(d))
        case .string(let s): return .string(s)
        case .blob(let data): return .string("\(data.count) bytes")
        }
    }
}

extension SQLiteStore: BackupStore {
    /// A consistent backup in a new file, made with SQLite's online backup while writers go on, then rewritten so
    /// every person's data in it is encrypted with that person's key and vacuumed so no plain copy is left in free
    /// pages. Keys of people no longer here are destroyed first. Returns how many people's data it holds.
    @discardableResult
    public func backup(to path: String) throws -> Int {
        guard let keys else {
            throw StewardError.badRequest("Backups need the key store; the server opens it with its master key")
        }
        // Keys are listed before people, so a person who signs up in between keeps theirs; a key younger than an hour
        // is never swept, as its account may not have committed yet (keys are made inside the account's transaction).
        let keyed = try keys.subjects(createdBefore: WallClock.nowMillis() - 3_600_000)
        let living = try pool.read { db in Set(try String.fetchAll(db, sql: "SELECT id FROM user")) }
        try keys.destroyKeys(keyed.subtracting(living))
        // The copy is plain until it is sealed: it is made owner-only and under another name, and removed unless the
        // sealing succeeds.
        let plain = path + ".plain"
        guard FileManager.default.createFile(atPath: plain, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw StewardError.badRequest("Cannot write \(plain); check the directory")
        }
        do {
            let destination = try DatabaseQueue(path: plain)
            try pool.backup(to: destination)
            try destination.close()
        } catch {
            for leftover in [plain, plain + "-journal", plain + "-wal", plain + "-shm"] {
                try? FileManager.default.removeItem(atPath: leftover)
            }
            throw error
        }
        _ = try Self.sealBackup(plainCopy: plain, to: path, keys: keys)
        return living.count
    }

    /// Restores a backup into `directory` (which must not hold a database yet) with the keys of `keys`: what they
    /// open is decrypted, and the data of people whose key was destroyed is dropped.
    public static func restore(backup: String, into directory: String, keys: PersonKeyStore) throws -> (opened: Int, dropped: Int) {
        let target = (directory as NSString).appendingPathComponent("steward.sqlite")
        guard !FileManager.default.fileExists(atPath: target) else {
            throw StewardError.conflict("\(target) exists; restore into an empty data directory")
        }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: backup, toPath: target)
        var result = (opened: 0, dropped: 0)
        do {
            let queue = try DatabaseQueue(path: target)
            // A backup from an older Steward gets today's schema first (the sealing below needs its hash columns).
            try SQLiteSchema.migrator.migrate(queue)
            try queue.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA secure_delete = ON")
                try db.execute(sql: "PRAGMA foreign_keys = ON")
                try db.inTransaction {
                    result = try BackupCipher.decrypt(db, keys: keys)
                    // What the backup did not seal itself (contacts of no living person) came out in the clear.
                    _ = try ContactSealing(keys: keys).sealPlain(db)
                    return .commit
                }
                try db.execute(sql: "VACUUM")
            }
            try queue.close()
        } catch {
            // Nothing half-restored is left behind; the directory can be used again.
            for leftover in [target, target + "-journal", target + "-wal", target + "-shm"] {
                try? FileManager.default.removeItem(atPath: leftover)
            }
            throw error
        }
        return result
    }
}
