import Crypto
import Foundation
import GRDB
import StewardCore
import StewardVault

/// Brings this database's contact columns under the vault's sealing (`ContactSealer`, which decides what is sealed
/// and with whose key): seals what an older database or one written without a master key still holds in the clear,
/// once, and fills the keyed lookup hashes. Without a master key nothing is sealed and the hashes use a fixed key.
struct ContactSealing: Sendable {
    let keys: PersonKeyStore?
    let vault: ContactSealer

    init(keys: PersonKeyStore?) {
        self.keys = keys
        vault = ContactSealer(keys: keys)
    }

    /// The keyed hash rows holding `address` are found by (`LookupHash`; what `COLLATE NOCASE` compared before).
    func hash(_ address: String) -> String {
        vault.hash(address)
    }

    /// The value as stored: sealed by the vault, or as it is (no master key, nil or empty).
    func seal(_ value: String?, in column: SealedColumn, person: UserID?) throws -> DatabaseValue {
        try vault.seal(value, in: column.field, person: person).map { Data($0).databaseValue } ?? value.databaseValue
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
