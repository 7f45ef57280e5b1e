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

    static let sealedColumns = [
        userEmail, userPhone, userParentEmail, signInEmail, mailRecipient, mailText, mailHTML, requestEmail, complaintEmail,
    ]

    /// Select lists that read a table with its contact details opened.
    static let userColumns = "\(userEmail.plain), \(userPhone.plain), \(userParentEmail.plain), *"
    static let signInColumns = "\(signInEmail.plain), *"
    /// The outbox with its recipients and texts opened, for the mail sender.
    public static let mailColumns = "\(mailRecipient.plain), \(mailText.plain), \(mailHTML.plain), *"
    static let requestColumns = "\(requestEmail.plain), *"
    static let complaintColumns = "\(complaintEmail.plain), *"

    /// The keyed hash an address is stored and looked up under.
    public func contactHash(_ address: String) -> String {
        sealer.hash(address)
    }

    func sealContact(_ db: Database, _ value: String?, in column: SealedColumn, owner: String?, hash: String? = nil) throws
        -> DatabaseValue
    {
        try sealer.seal(db, value, in: column, owner: owner, hash: hash)
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

    /// Seals what is still in the clear (see `ContactSealer.sealPlain`), then checkpoints so the clear copies do not
    /// linger in the write-ahead log (freed space is zeroed: `secure_delete`).
    func sealPlainContacts() throws {
        let changed = try pool.write { db in try sealer.sealPlain(db) }
        if changed > 0, keys != nil {
            // Best effort: another process reading the database (the server beside a CLI) may hold the log open.
            try? pool.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
        }
    }
}
