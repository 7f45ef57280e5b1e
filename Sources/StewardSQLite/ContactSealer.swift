import Crypto
import Foundation
import GRDB
import StewardCore

/// Seals contact details and mail texts for the live database and computes the keyed hashes rows are found by
/// (see `SQLiteStore+Contacts`). Without a master key nothing is sealed and the hashes use a fixed key.
struct ContactSealer: Sendable {
    let keys: PersonKeyStore?
    /// HMAC-SHA256 under a key derived from the master key.
    let lookupKey: [UInt8]

    init(keys: PersonKeyStore?) {
        self.keys = keys
        lookupKey = keys?.derivedKey("steward contact lookup v1") ?? Array("steward contact lookup, no master key".utf8)
    }

    /// Hex HMAC-SHA256 of the trimmed, lower-cased address: addresses are found, and kept unique, ignoring case.
    func hash(_ address: String) -> String {
        let normalized = address.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        let code = HMAC<SHA256>.authenticationCode(for: Array(normalized.utf8), using: SymmetricKey(data: lookupKey))
        return code.map { String(format: "%02x", $0) }.joined()
    }

    /// The value as stored: sealed with the person's key (`owner`), else with the key of the account whose address
    /// has the lookup hash `hash`, else with the service key. Plain when there is no master key; empty stays empty.
    func seal(_ db: Database, _ value: String?, in column: SealedColumn, owner: String?, hash: String? = nil) throws -> DatabaseValue {
        guard let keys, let value, !value.isEmpty else { return value.databaseValue }
        let subject = try subject(db, owner: owner, hash: hash)
        return try BackupCipher.seal(value.databaseValue, subject: subject.description, context: column.context, key: keys.key(for: subject))
    }

    func subject(_ db: Database, owner: String?, hash: String?) throws -> UserID {
        if let owner, let id = UserID(owner) { return id }
        if let hash,
            let id = try String.fetchOne(db.cachedStatement(sql: "SELECT id FROM user WHERE email_hash = ?"), arguments: [hash])
                .flatMap(UserID.init)
        {
            return id
        }
        return PersonKeyStore.serviceSubject
    }

    /// Seals every value still stored in the clear (a database from before sealing, a restored backup) and fills its
    /// lookup hash; returns how many it sealed. Runs at every start; one scan per table when there is nothing to do.
    func sealPlain(_ db: Database) throws -> Int {
        var changed = 0
        for column in SQLiteStore.sealedColumns where try db.tableExists(column.table) {
            let owner = column.owner.map { "\($0) AS owner" } ?? "NULL AS owner"
            let ownerHash = column.ownerHash.map { "\($0) AS owner_hash" } ?? "NULL AS owner_hash"
            // Without a master key values stay plain; only missing hashes are filled.
            let pending =
                keys == nil
                ? (column.hash.map { "\($0) IS NULL" } ?? "0") : "typeof(\(column.column)) = 'text' AND \(column.column) <> ''"
            let rows = try Row.fetchAll(
                db, sql: "SELECT rowid AS rid, \(column.column) AS value, \(owner), \(ownerHash) FROM \(column.table) WHERE \(pending)")
            for row in rows {
                guard let value: String = row["value"] else { continue }
                let lookup = column.hash == nil ? nil : hash(value)
                let sealed = try seal(db, value, in: column, owner: row["owner"], hash: lookup ?? row["owner_hash"])
                if let hashColumn = column.hash {
                    try db.execute(
                        sql: "UPDATE \(column.table) SET \(column.column) = ?, \(hashColumn) = ? WHERE rowid = ?",
                        arguments: [sealed, lookup, row["rid"]])
                } else {
                    try db.execute(sql: "UPDATE \(column.table) SET \(column.column) = ? WHERE rowid = ?", arguments: [sealed, row["rid"]])
                }
                changed += 1
            }
        }
        return changed
    }
}
