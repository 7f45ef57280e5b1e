import GRDB
import StewardCore

/// A column stored sealed: a contact detail (an email address, a phone number), or the text of a mail waiting to be
/// sent (it names people and carries single-use links).
struct SealedColumn: Sendable {
    var table: String
    var column: String
    /// The column holding the value's keyed lookup hash, when rows are found by this value.
    var hash: String? = nil
    /// Whether the row is an account and the value is sealed with that person's key. Rows of other tables can outlive
    /// the account they mention (requests and complaints stay under a legal hold, mail waits for delivery), so they
    /// are sealed with the service key and are deleted or pseudonymised by an erasure instead.
    var personal = false

    /// Binds a sealed value to its place: a value moved to another column does not open.
    var context: String { "\(table).\(column)" }
}

/// Contact details are data classed sensitive (promise MS-6), so the live database never holds them in the clear:
/// an account's own (email, phone, a parent's email) are sealed (AES-GCM, `BackupCipher`'s format) with the person's
/// key, and addresses kept elsewhere (sign-in attempts, requests, complaints, the outbox and its texts) with the
/// service key derived from the master key. Rows are found by a keyed hash of the lower-cased address instead
/// (HMAC-SHA256 under a key derived from the master key), which also keeps addresses unique ignoring case. Reads
/// open them in Swift after the query (`openedRows`): no function of Steward's runs inside SQL, so every backend
/// reads them the same way; erasing a person destroys their key, and backups seal every row about a
/// living person with that person's key.
extension SQLiteStore {
    static let userEmail = SealedColumn(table: "user", column: "email", hash: "email_hash", personal: true)
    static let userPhone = SealedColumn(table: "user", column: "phone", personal: true)
    static let userParentEmail = SealedColumn(table: "user", column: "parent_email", personal: true)
    static let signInEmail = SealedColumn(table: "sign_in", column: "email", hash: "email_hash")
    static let mailRecipient = SealedColumn(table: "mail_outbox", column: "recipient", hash: "recipient_hash")
    static let mailText = SealedColumn(table: "mail_outbox", column: "text_body")
    static let mailHTML = SealedColumn(table: "mail_outbox", column: "html_body")
    static let requestEmail = SealedColumn(table: "dsr_request", column: "email", hash: "email_hash")
    static let complaintEmail = SealedColumn(table: "complaint", column: "email", hash: "email_hash")

    static let sealedColumns = [
        userEmail, userPhone, userParentEmail, signInEmail, mailRecipient, mailText, mailHTML, requestEmail, complaintEmail,
    ]

    /// The sealed columns of each table, opened by `openedRows` after a `SELECT *`.
    static let userColumns = [userEmail, userPhone, userParentEmail]
    static let signInColumns = [signInEmail]
    static let mailColumns = [mailRecipient, mailText, mailHTML]
    static let requestColumns = [requestEmail]
    static let complaintColumns = [complaintEmail]

    /// The rows of a query with `columns` opened (a sealed value replaced by its plain text), so record types decode
    /// plain values.
    func openedRows(_ columns: [SealedColumn], _ db: Database, sql: String, arguments: StatementArguments = []) throws -> [Row] {
        try Row.fetchAll(db, sql: sql, arguments: arguments).map { try opened($0, columns) }
    }

    /// The first row of a query with `columns` opened.
    func openedRow(_ columns: [SealedColumn], _ db: Database, sql: String, arguments: StatementArguments = []) throws -> Row? {
        try Row.fetchOne(db, sql: sql, arguments: arguments).map { try opened($0, columns) }
    }

    /// A copy of `row` with the values of `columns` opened.
    func opened(_ row: Row, _ columns: [SealedColumn]) throws -> Row {
        var values: [String: DatabaseValue] = [:]
        for (name, value) in row { values[name] = value }
        for column in columns {
            if let value = values[column.column] {
                values[column.column] = try Self.openContact(value, context: column.context, keys: keys)
            }
        }
        return Row(values)
    }

    /// The keyed hash an address is stored and looked up under.
    public func contactHash(_ address: String) -> String {
        sealer.hash(address)
    }

    /// The value as stored (see `ContactSealer.seal`).
    func sealContact(_ value: String?, in column: SealedColumn, person: UserID? = nil) throws -> DatabaseValue {
        try sealer.seal(value, in: column, person: person)
    }

    /// A sealed contact detail opened, anything else as it is. A key that is missing
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

    /// Seals what is still in the clear, once (see `ContactSealer.sealPlain`), then checkpoints so the clear copies
    /// do not linger in the write-ahead log (freed space is zeroed: `secure_delete`).
    func sealPlainContacts() throws {
        guard try pool.read({ db in try sealer.needsSealing(db) }) else { return }
        let changed = try pool.write { db in try sealer.needsSealing(db) ? try sealer.sealPlain(db) : 0 }
        if changed > 0, keys != nil {
            // Best effort: another process reading the database (the server beside a CLI) may hold the log open.
            try? pool.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
        }
    }
}
