import Crypto
import Foundation
import GRDB
import StewardCore
import StewardVault

/// Turns a plain copy of the database into a backup in which every person's data is encrypted with that person's
/// key, and back (promise MS-18b). Erasing a person destroys their key, so their data in every earlier backup is
/// unreadable from then on; a restore drops what it can no longer decrypt.
///
/// An encrypted value is a BLOB: `STW1`, the subject's id (36 bytes), then AES-GCM's nonce, ciphertext and tag over
/// the value's type tag and bytes, authenticated with the table and column so a value cannot be moved elsewhere.
enum BackupCipher {
    /// A table's personal columns and the SQL expression naming the person each row is about.
    struct Spec {
        var table: String
        var subject: String
        var columns: [String]
    }


    /// In order: tables whose subject is found through `user.email_hash` come before `user` itself is encrypted. The
    /// lookup hashes are sealed too, so an old backup cannot even confirm that an erased address was ever here.
    static let specs: [Spec] = [
        Spec(table: "sign_in", subject: "COALESCE(user_id, (SELECT u.id FROM user u WHERE u.email_hash = sign_in.email_hash))",
            columns: ["email", "email_hash", "ip", "client_key", "client"]),
        Spec(
            table: "mail_outbox", subject: "(SELECT u.id FROM user u WHERE u.email_hash = mail_outbox.recipient_hash)",
            columns: ["recipient", "recipient_hash", "subject", "text_body", "html_body"]),
        Spec(table: "session", subject: "user_id", columns: ["ip", "client"]),
        Spec(table: "api_key", subject: "user_id", columns: ["name", "last_used_ip"]),
        Spec(table: "policy_agreement", subject: "user_id", columns: ["ip", "client"]),
        Spec(table: "consent_event", subject: "CASE WHEN subject LIKE 'user:%' THEN substr(subject, 6) END", columns: ["client", "network"]),
        Spec(
            table: "dsr_request", subject: "COALESCE(user_id, (SELECT u.id FROM user u WHERE u.email_hash = dsr_request.email_hash))",
            columns: ["email", "email_hash", "name", "details", "outcome"]),
        Spec(
            table: "complaint", subject: "COALESCE(user_id, (SELECT u.id FROM user u WHERE u.email_hash = complaint.email_hash))",
            columns: ["name", "email", "email_hash", "text"]),
        Spec(table: "disclosure", subject: "user_id", columns: ["what"]),
        // The audit trail is not here: it stays under its legal hold in the live database too, and its hash chain
        // must verify in a restored copy.
        Spec(
            table: "tenant",
            subject: SQLiteStore.soleMember(of: "tenant.id"), columns: ["name"]),
        Spec(
            table: "user", subject: "id",
            columns: ["email", "email_hash", "first_name", "last_name", "company", "phone", "parent_email", "picture", "totp_secret"]),
    ]

    /// Readings and attributes are keyed by device; a device's person is its assignee or the only member of its tenant.
    static let devicePerson = "SELECT d.seq, \(SQLiteStore.devicePerson) AS person FROM device d"

    static let triggers = ["consent_event_append_only", "consent_event_client_only_emptied", "disclosure_no_update"]

    // MARK: Encrypting a copy

    static func encrypt(_ db: Database, keys: any PersonKeys) throws {
        let saved = try savedTriggers(db)
        for name in saved.keys { try db.execute(sql: "DROP TRIGGER \(name)") }
        // Only people with an account get a key: rows an erasure kept under a legal hold (pseudonymised requests)
        // stay as they are, and no key is ever made for someone who is gone.
        let living = Set(try String.fetchAll(db, sql: "SELECT id FROM user"))
        let devices = try Row.fetchAll(db, sql: devicePerson).compactMap { row -> (Int64, String)? in
            guard let person: String = row["person"], living.contains(person) else { return nil }
            return (row["seq"], person)
        }
        for (seq, person) in devices {
            guard let id = UserID(person) else { continue }
            let key = try keys.key(for: id)
            for table in ["ts_kv", "ts_kv_latest"] {
                try sealReadings(db, table: table, seq: seq, subject: person, key: key)
            }
            try sealAttributes(db, seq: seq, subject: person, key: key)
        }
        for spec in specs where try db.tableExists(spec.table) {
            let columns = spec.columns.joined(separator: ", ")
            let rows = try Row.fetchAll(db, sql: "SELECT rowid AS rid, \(spec.subject) AS subject, \(columns) FROM \(spec.table)")
            let update = try db.makeStatement(
                sql: "UPDATE \(spec.table) SET \(spec.columns.map { "\($0) = ?" }.joined(separator: ", ")) WHERE rowid = ?")
            for row in rows {
                guard let subject: String = row["subject"], living.contains(subject), let id = UserID(subject) else { continue }
                let key = try keys.key(for: id)
                var values: [DatabaseValue] = []
                for column in spec.columns {
                    values.append(try seal(row[column], subject: subject, context: "\(spec.table).\(column)", key: key))
                }
                values.append((row["rid"] as Int64).databaseValue)
                try update.execute(arguments: StatementArguments(values))
            }
        }
        for (_, sql) in saved { try db.execute(sql: sql) }
    }

    static func sealReadings(_ db: Database, table: String, seq: Int64, subject: String, key: SymmetricKey) throws {
        var cursor: (Int64, Int64) = (-1, Int64.min)
        let update = try db.makeStatement(sql: "UPDATE \(table) SET t = ?, v = ? WHERE device_seq = ? AND key_id = ? AND ts = ?")
        while true {
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT key_id, ts, t, v FROM \(table) WHERE device_seq = ? AND t < 100 AND (key_id, ts) > (?, ?)
                    ORDER BY key_id, ts LIMIT 10000
                    """, arguments: [seq, cursor.0, cursor.1])
            guard let last = rows.last else { return }
            for row in rows {
                let sealed = try seal(row["v"], subject: subject, context: SealedReadings.context, key: key)
                try update.execute(arguments: [(row["t"] as Int64) + 100, sealed, seq, row["key_id"], row["ts"]])
            }
            cursor = (last["key_id"], last["ts"])
        }
    }

    static func sealAttributes(_ db: Database, seq: Int64, subject: String, key: SymmetricKey) throws {
        let update = try db.makeStatement(sql: "UPDATE attribute_kv SET t = ?, v = ?, key = ? WHERE device_seq = ? AND scope = ? AND key = ?")
        for row in try Row.fetchAll(db, sql: "SELECT scope, key, t, v FROM attribute_kv WHERE device_seq = ? AND t < 100", arguments: [seq]) {
            let sealed = try seal(row["v"], subject: subject, context: "attribute_kv", key: key)
            let sealedKey = try seal(row["key"], subject: subject, context: "attribute_kv.key", key: key)
            try update.execute(arguments: [(row["t"] as Int64) + 100, sealed, sealedKey, seq, row["scope"], row["key"]])
        }
    }

    /// The value sealed in the vault's format (`Sealing`), as a blob; NULL stays NULL.
    static func seal(_ value: DatabaseValue, subject: String, context: String, key: SymmetricKey) throws -> DatabaseValue {
        guard let sealed = try Sealing.seal(vaultValue(value), subject: subject, context: context, key: key) else { return value }
        return Data(sealed).databaseValue
    }

    static func vaultValue(_ value: DatabaseValue) -> Sealing.Value {
        switch value.storage {
        case .null: return .null
        case .int64(let i): return .integer(i)
        case .double(let d): return .real(d)
        case .string(let s): return .text(s)
        case .blob(let data): return .bytes(Array(data))
        }
    }

    static func databaseValue(_ value: Sealing.Value) -> DatabaseValue {
        switch value {
        case .null: return .null
        case .integer(let i): return i.databaseValue
        case .real(let d): return d.databaseValue
        case .text(let s): return s.databaseValue
        case .bytes(let b): return Data(b).databaseValue
        }
    }

    // MARK: Restoring

    /// Decrypts what the remaining keys open and deletes every row whose person's key is gone.
    static func decrypt(_ db: Database, keys: any PersonKeys) throws -> (opened: Int, dropped: Int) {
        var opened = 0
        var dropped = 0
        let saved = try savedTriggers(db)
        for name in saved.keys { try db.execute(sql: "DROP TRIGGER \(name)") }
        // Readings stay sealed (the live database keeps a person's sensitive readings sealed too, and reads open
        // them with the same keys); those whose person's key is gone are dropped. They have no foreign key to the
        // device, so they go explicitly, before any tenant.
        for table in ["ts_kv", "ts_kv_latest"] {
            // Page by primary key so a backup with millions of readings needs memory for one page only.
            var cursor: (Int64, Int64, Int64) = (-1, -1, Int64.min)
            while true {
                let rows = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT device_seq, key_id, ts, v FROM \(table) WHERE t >= 100 AND (device_seq, key_id, ts) > (?, ?, ?)
                        ORDER BY device_seq, key_id, ts LIMIT 10000
                        """, arguments: [cursor.0, cursor.1, cursor.2])
                guard let last = rows.last else { break }
                for row in rows where try SealedReadings.open(row["v"], keys: keys) == nil {
                    try db.execute(
                        sql: "DELETE FROM \(table) WHERE device_seq = ? AND key_id = ? AND ts = ?",
                        arguments: [row["device_seq"], row["key_id"], row["ts"]])
                    dropped += 1
                }
                cursor = (last["device_seq"], last["key_id"], last["ts"])
            }
        }
        let attributes = try Row.fetchAll(db, sql: "SELECT device_seq, scope, key, t, v FROM attribute_kv WHERE t >= 100")
        for row in attributes {
            let match: StatementArguments = [row["device_seq"], row["scope"], row["key"]]
            if !isSealed(row["key"]) {
                // Sealed in the live database already (a sensitive attribute, sealed like a reading), not by the
                // backup: it stays sealed, or goes when its person's key is gone.
                if try SealedReadings.open(row["v"], keys: keys) == nil {
                    try db.execute(sql: "DELETE FROM attribute_kv WHERE device_seq = ? AND scope = ? AND key = ?", arguments: match)
                    dropped += 1
                }
                continue
            }
            if let v = try open(row["v"], context: "attribute_kv", keys: keys),
                let key = try open(row["key"], context: "attribute_kv.key", keys: keys)
            {
                try db.execute(
                    sql: "UPDATE attribute_kv SET t = ?, v = ?, key = ? WHERE device_seq = ? AND scope = ? AND key = ?",
                    arguments: [(row["t"] as Int64) - 100, v, key] + match)
                opened += 1
            } else {
                try db.execute(sql: "DELETE FROM attribute_kv WHERE device_seq = ? AND scope = ? AND key = ?", arguments: match)
                dropped += 1
            }
        }
        for spec in specs.reversed() where try db.tableExists(spec.table) {
            let rows = try Row.fetchAll(db, sql: "SELECT rowid AS rid, \(spec.columns.joined(separator: ", ")) FROM \(spec.table)")
            for row in rows {
                var values: [DatabaseValue] = []
                var gone = false
                var changed = false
                for column in spec.columns {
                    let value: DatabaseValue = row[column]
                    guard isSealed(value) else {
                        values.append(value)
                        continue
                    }
                    changed = true
                    guard let plain = try open(value, context: "\(spec.table).\(column)", keys: keys) else {
                        gone = true
                        break
                    }
                    values.append(plain)
                }
                let rowid: Int64 = row["rid"]
                if gone {
                    if spec.table == "tenant" {
                        // Its name was sealed for its only member at the time, who is gone; if others have joined
                        // since, the workspace stays under a neutral name, else it goes with its devices.
                        let members = try Int.fetchOne(
                            db, sql: "SELECT COUNT(*) FROM user WHERE tenant_id = (SELECT id FROM tenant WHERE rowid = ?)", arguments: [rowid]) ?? 0
                        if members > 0 {
                            try db.execute(
                                sql: "UPDATE tenant SET name = 'Workspace ' || substr(id, 1, 8) WHERE rowid = ?", arguments: [rowid])
                            continue
                        }
                        try deleteTenant(db, rowid: rowid)
                    } else {
                        try db.execute(sql: "DELETE FROM \(spec.table) WHERE rowid = ?", arguments: [rowid])
                    }
                    dropped += 1
                } else if changed {
                    try db.execute(
                        sql: "UPDATE \(spec.table) SET \(spec.columns.map { "\($0) = ?" }.joined(separator: ", ")) WHERE rowid = ?",
                        arguments: StatementArguments(values + [rowid.databaseValue]))
                    opened += 1
                }
            }
        }
        for (_, sql) in saved { try db.execute(sql: sql) }
        return (opened, dropped)
    }

    static func deleteTenant(_ db: Database, rowid: Int64) throws {
        for table in ["ts_kv", "ts_kv_latest", "attribute_kv"] {
            try db.execute(
                sql: "DELETE FROM \(table) WHERE device_seq IN (SELECT d.seq FROM device d JOIN tenant t ON t.id = d.tenant_id WHERE t.rowid = ?)",
                arguments: [rowid])
        }
        try db.execute(sql: "DELETE FROM tenant WHERE rowid = ?", arguments: [rowid])
    }

    static func isSealed(_ value: DatabaseValue) -> Bool {
        guard case .blob(let data) = value.storage else { return false }
        return Sealing.isSealed(data)
    }

    /// The plain value, or nil when the person's key is gone; a value that is not sealed passes unchanged.
    static func open(_ value: DatabaseValue, context: String, keys: any PersonKeys) throws -> DatabaseValue? {
        guard case .blob(let data) = value.storage, Sealing.isSealed(data) else { return value }
        return try Sealing.open(Array(data), context: context, keys: keys).map(databaseValue)
    }

    /// Append-only triggers stop the rewrite; they are dropped for it and put back as they were.
    static func savedTriggers(_ db: Database) throws -> [String: String] {
        var saved: [String: String] = [:]
        for name in triggers {
            if let sql = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", arguments: [name]) {
                saved[name] = sql
            }
        }
        return saved
    }
}
