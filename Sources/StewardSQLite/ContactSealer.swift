import Crypto
import Foundation
import GRDB
import StewardCore
import StewardVault

/// Seals contact details and mail texts for the live database and computes the keyed hashes rows are found by
/// (see `SQLiteStore+Contacts`). Without a master key nothing is sealed and the hashes use a fixed key.
struct ContactSealer: Sendable {
    let keys: PersonKeyStore?
    /// The vault's keyed lookup hash (what `COLLATE NOCASE` compared before).
    let lookup: LookupHash

    init(keys: PersonKeyStore?) {
        self.keys = keys
        lookup = LookupHash(keys: keys)
    }

    func hash(_ address: String) -> String {
        lookup.hash(address)
    }

    /// The value as stored: sealed with `person`'s key in an account's own columns, else with the service key.
    /// Plain when there is no master key; empty stays empty.
    func seal(_ value: String?, in column: SealedColumn, person: UserID?) throws -> DatabaseValue {
        guard let keys, let value, !value.isEmpty else { return value.databaseValue }
        let subject = column.personal ? (person ?? PersonKeyStore.serviceSubject) : PersonKeyStore.serviceSubject
        return try BackupCipher.seal(value.databaseValue, subject: subject.description, context: column.context, key: keys.key(for: subject))
    }

    /// Whether the database may still hold contact details in the clear: before the first start with a master key
    /// (an older database, one a store without a master key wrote to, a restored backup).
    func needsSealing(_ db: Database) throws -> Bool {
        guard keys != nil else { return true }
        return try Int.fetchOne(db, sql: "SELECT value FROM sealing_state WHERE name = 'contacts'") != 1
    }

    /// Seals every value still stored in the clear and fills its lookup hash (without a master key: only fills
    /// missing hashes), a page of rows at a time; returns how many rows changed. Records the state `needsSealing`
    /// reads.
    func sealPlain(_ db: Database) throws -> Int {
        var changed = 0
        for column in SQLiteStore.sealedColumns where try db.tableExists(column.table) {
            let person = column.personal ? "id" : "NULL"
            let pending =
                keys == nil
                ? (column.hash.map { "\($0) IS NULL" } ?? "0") : "typeof(\(column.column)) = 'text' AND \(column.column) <> ''"
            var cursor: Int64 = 0
            while true {
                let rows = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT rowid AS rid, \(column.column) AS value, \(person) AS person FROM \(column.table)
                        WHERE rowid > ? AND \(pending) ORDER BY rowid LIMIT 1000
                        """, arguments: [cursor])
                guard let last = rows.last else { break }
                for row in rows {
                    guard let value: String = row["value"] else { continue }
                    let sealed = try seal(value, in: column, person: (row["person"] as String?).flatMap(UserID.init))
                    if let hashColumn = column.hash {
                        try db.execute(
                            sql: "UPDATE \(column.table) SET \(column.column) = ?, \(hashColumn) = ? WHERE rowid = ?",
                            arguments: [sealed, hash(value), row["rid"]])
                    } else {
                        try db.execute(sql: "UPDATE \(column.table) SET \(column.column) = ? WHERE rowid = ?", arguments: [sealed, row["rid"]])
                    }
                    changed += 1
                }
                cursor = last["rid"]
            }
        }
        try db.execute(
            sql: "INSERT OR REPLACE INTO sealing_state(name, value) VALUES ('contacts', ?)", arguments: [keys == nil ? 0 : 1])
        return changed
    }
}
