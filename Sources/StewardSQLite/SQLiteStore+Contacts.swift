import Foundation
import GRDB
import StewardCore
import StewardVault

/// Where this backend keeps one of the vault's contact fields: its table, its column and, when rows are found by
/// the value, the column of its keyed hash. What is sealed, and with whose key, is the vault's (`ContactField`).
struct SealedColumn: Sendable {
    var field: ContactField
    var table: String
    var column: String
    /// The column holding the value's keyed lookup hash, when rows are found by this value.
    var hash: String? = nil

    /// Sealed with the person's key (an account's own detail), else with the service key.
    var personal: Bool { field.isPersonal }
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
    static let userEmail = SealedColumn(field: .accountEmail, table: "user", column: "email", hash: "email_hash")
    static let userPhone = SealedColumn(field: .accountPhone, table: "user", column: "phone")
    static let userParentEmail = SealedColumn(field: .parentEmail, table: "user", column: "parent_email")
    static let signInEmail = SealedColumn(field: .signInEmail, table: "sign_in", column: "email", hash: "email_hash")
    static let mailRecipient = SealedColumn(field: .mailRecipient, table: "mail_outbox", column: "recipient", hash: "recipient_hash")
    static let mailText = SealedColumn(field: .mailText, table: "mail_outbox", column: "text_body")
    static let mailHTML = SealedColumn(field: .mailHTML, table: "mail_outbox", column: "html_body")
    static let requestEmail = SealedColumn(field: .requestEmail, table: "dsr_request", column: "email", hash: "email_hash")
    static let complaintEmail = SealedColumn(field: .complaintEmail, table: "complaint", column: "email", hash: "email_hash")

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
                values[column.column] = try openContact(value, in: column)
            }
        }
        return Row(values)
    }

    /// The keyed hash an address is stored and looked up under.
    public func contactHash(_ address: String) -> String {
        sealer.hash(address)
    }

    /// The value as stored (see `ContactSealing.seal`).
    func sealContact(_ value: String?, in column: SealedColumn, person: UserID? = nil) throws -> DatabaseValue {
        try sealer.seal(value, in: column, person: person)
    }

    /// A sealed contact detail opened, anything else as it is. A key that is missing is an error, not a silent NULL
    /// (see `ContactSealer.open`).
    func openContact(_ value: DatabaseValue, in column: SealedColumn) throws -> DatabaseValue {
        guard case .blob(let data) = value.storage, Sealing.isSealed(data) else { return value }
        return BackupCipher.databaseValue(try sealer.vault.open(Array(data), in: column.field))
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
