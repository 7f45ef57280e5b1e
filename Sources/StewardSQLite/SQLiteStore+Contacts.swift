import Crypto
import Foundation
import GRDB
import StewardCore

/// A column stored sealed: a contact detail (an email address, a phone number), or the text of a mail waiting to be
/// sent (it names people and carries single-use links).
struct SealedColumn: Sendable {
    var table: String
    var column: String
    /// The column holding the value's keyed lookup hash, when rows are found by this value.
    var hash: String? = nil
    /// The column naming the account the value belongs to, when the table has one.
    var owner: String? = nil
    /// The column holding the lookup hash of the address whose account the value belongs to, when there is no owner.
    var ownerHash: String? = nil

    /// Binds a sealed value to its place: a value moved to another column does not open.
    var context: String { "\(table).\(column)" }

    /// The plain value, as an SQL expression.
    var opened: String { "steward_plain(\(column), '\(context)')" }

    /// The plain value under the column's own name, for a select list placed before `*` (GRDB reads the leftmost
    /// column of a name).
    var plain: String { "\(opened) AS \(column)" }
}

/// Contact details are data classed sensitive (promise MS-6), so the live database never holds them in the clear:
/// each is sealed (AES-GCM, `BackupCipher`'s format) with the key of the person it belongs to, or with the service
/// key derived from the master key when it belongs to no account. Rows are found by a keyed hash of the lower-cased
/// address instead (HMAC-SHA256 under a key derived from the master key), which also keeps addresses unique
/// ignoring case. Reads open them in SQL with `steward_plain`; erasing a person destroys their key, so a copy of
/// their address left anywhere is noise.
extension SQLiteStore {
    static let userEmail = SealedColumn(table: "user", column: "email", hash: "email_hash", owner: "id")
    static let userPhone = SealedColumn(table: "user", column: "phone", owner: "id")
    static let userParentEmail = SealedColumn(table: "user", column: "parent_email", owner: "id")
    static let signInEmail = SealedColumn(table: "sign_in", column: "email", hash: "email_hash", owner: "user_id")
    static let mailRecipient = SealedColumn(table: "mail_outbox", column: "recipient", hash: "recipient_hash", ownerHash: "recipient_hash")
    static let mailText = SealedColumn(table: "mail_outbox", column: "text_body", ownerHash: "recipient_hash")
    static let mailHTML = SealedColumn(table: "mail_outbox", column: "html_body", ownerHash: "recipient_hash")
    static let requestEmail = SealedColumn(table: "dsr_request", column: "email", hash: "email_hash", owner: "user_id")
    static let complaintEmail = SealedColumn(table: "complaint", column: "email", hash: "email_hash", owner: "user_id")

    static let contactColumns = [
        userEmail, userPhone, userParentEmail, signInEmail, mailRecipient, mailText, mailHTML, requestEmail, complaintEmail,
    ]

    /// Select lists that read a table with its contact details opened.
    static let userColumns = "\(userEmail.plain), \(userPhone.plain), \(userParentEmail.plain), *"
    static let signInColumns = "\(signInEmail.plain), *"
    /// The outbox with its recipients and texts opened, for the mail sender.
    public static let mailColumns = "\(mailRecipient.plain), \(mailText.plain), \(mailHTML.plain), *"
    static let requestColumns = "\(requestEmail.plain), *"
    static let complaintColumns = "\(complaintEmail.plain), *"

    /// The keyed hash an address is stored and looked up under: hex HMAC-SHA256 of the trimmed, lower-cased address.
    public func contactHash(_ address: String) -> String {
        let normalized = address.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        let code = HMAC<SHA256>.authenticationCode(for: Array(normalized.utf8), using: SymmetricKey(data: lookupKey))
        return code.map { String(format: "%02x", $0) }.joined()
    }

    /// The key of the lookup hashes: derived from the master key, or a fixed one when the store has none (then
    /// nothing is sealed either).
    static func lookupKey(keys: PersonKeyStore?) -> [UInt8] {
        keys?.derivedKey("steward contact lookup v1") ?? Array("steward contact lookup, no master key".utf8)
    }

    /// The value as stored: sealed with the person's key (`owner`), else with the key of the account whose address
    /// has the lookup hash `hash`, else with the service key. Plain when the store has no master key; empty stays empty.
    func sealContact(_ db: Database, _ value: String?, in column: SealedColumn, owner: String?, hash: String? = nil) throws
        -> DatabaseValue
    {
        guard let keys, let value, !value.isEmpty else { return value.databaseValue }
        let subject = try contactSubject(db, owner: owner, hash: hash)
        return try BackupCipher.seal(value.databaseValue, subject: subject.description, context: column.context, key: keys.key(for: subject))
    }

    func contactSubject(_ db: Database, owner: String?, hash: String?) throws -> UserID {
        if let owner, let id = UserID(owner) { return id }
        if let hash,
            let id = try String.fetchOne(db.cachedStatement(sql: "SELECT id FROM user WHERE email_hash = ?"), arguments: [hash])
                .flatMap(UserID.init)
        {
            return id
        }
        return PersonKeyStore.serviceSubject
    }

    /// `steward_plain(value, context)`: a sealed contact detail opened, anything else as it is. A key that is missing
    /// is an error, not a silent NULL: the rows exist, so the key store or the master key is not the right one.
    static func openContact(_ value: DatabaseValue, context: String, keys: PersonKeyStore?) throws -> DatabaseValue {
        guard BackupCipher.isSealed(value) else { return value }
        guard let keys, let plain = try BackupCipher.open(value, context: context, keys: keys) else {
            throw StewardError(
                .internal,
                "A sealed \(context) cannot be opened: keys.sqlite or the master key is not the one this database was written with")
        }
        return plain
    }

    /// Seals every contact detail still stored in the clear (a database from before sealing, a restored backup) and
    /// fills its lookup hash, then checkpoints so the clear copies do not linger in the write-ahead log (freed space
    /// is zeroed: `secure_delete`). Runs at every start; costs one scan per table when there is nothing to do.
    func sealPlainContacts() throws {
        let changed = try pool.write { db -> Int in
            var changed = 0
            for column in Self.contactColumns {
                let owner = column.owner.map { "\($0) AS owner" } ?? "NULL AS owner"
                let ownerHash = column.ownerHash.map { "\($0) AS owner_hash" } ?? "NULL AS owner_hash"
                // Without a master key values stay plain; only missing hashes are filled.
                let pending = keys == nil ? (column.hash.map { "\($0) IS NULL" } ?? "0") : "typeof(\(column.column)) = 'text' AND \(column.column) <> ''"
                let rows = try Row.fetchAll(
                    db, sql: "SELECT rowid AS rid, \(column.column) AS value, \(owner), \(ownerHash) FROM \(column.table) WHERE \(pending)")
                for row in rows {
                    guard let value: String = row["value"] else { continue }
                    let lookup = column.hash == nil ? nil : contactHash(value)
                    let sealed = try sealContact(db, value, in: column, owner: row["owner"], hash: lookup ?? row["owner_hash"])
                    if let hashColumn = column.hash {
                        try db.execute(
                            sql: "UPDATE \(column.table) SET \(column.column) = ?, \(hashColumn) = ? WHERE rowid = ?",
                            arguments: [sealed, lookup, row["rid"]])
                    } else {
                        try db.execute(
                            sql: "UPDATE \(column.table) SET \(column.column) = ? WHERE rowid = ?", arguments: [sealed, row["rid"]])
                    }
                    changed += 1
                }
            }
            return changed
        }
        if changed > 0, keys != nil {
            // Best effort: another process reading the database (the server beside a CLI) may hold the log open.
            try? pool.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
        }
    }
}
