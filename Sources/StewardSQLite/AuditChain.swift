import Crypto
import Foundation
import GRDB
import StewardCore
import StewardStore

/// The audit trail's hash chain. Each entry's hash covers its own fields and the previous entry's hash, so editing
/// an entry changes its hash, and removing one breaks the link of the next (or, at the end, leaves
/// `sqlite_sequence` ahead of the last entry). With a key (kept in a file outside the database) the hash is an
/// HMAC, so someone who can write the database but not read the key cannot recompute the chain after an edit.
enum AuditChain {
    static let genesis = String(repeating: "0", count: 64)

    static func append(_ event: AuditEvent, key: [UInt8]?, _ db: Database) throws {
        let previous =
            try String.fetchOne(db.cachedStatement(sql: "SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1")) ?? genesis
        let sequence = (try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'") ?? 0) + 1
        let hash = digest(sequence: sequence, event: event, previous: previous, key: key)
        try db.execute(
            sql: """
                INSERT INTO audit_log(seq, time, tenant_id, actor_id, credential, subject_id, event, detail, ip, prev_hash, hash)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                sequence, event.time, event.tenantID?.description, event.actorID?.description, event.credential,
                event.subjectID?.description, event.event, event.detail, event.ip, previous, hash,
            ])
    }

    /// SHA-256 over the sequence number, every field (length-prefixed, so no two different entries share an
    /// encoding) and the previous hash.
    static func digest(sequence: Int64, event: AuditEvent, previous: String, key: [UInt8]?) -> String {
        var text = "\(sequence)"
        let fields: [String?] = [
            String(event.time), event.tenantID?.description, event.actorID?.description, event.credential,
            event.subjectID?.description, event.event, event.detail, event.ip, previous,
        ]
        for field in fields {
            if let field { text += "|\(field.utf8.count):\(field)" } else { text += "|-" }
        }
        if let key {
            return HMAC<SHA256>.authenticationCode(for: Array(text.utf8), using: SymmetricKey(data: key))
                .map { String(format: "%02x", $0) }.joined()
        }
        return SHA256.hash(data: Array(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    static func entry(_ row: Row) -> AuditEntry {
        AuditEntry(
            sequence: row["seq"],
            event: AuditEvent(
                time: row["time"], tenantID: (row["tenant_id"] as String?).flatMap(TenantID.init),
                actorID: (row["actor_id"] as String?).flatMap(UserID.init), credential: row["credential"],
                subjectID: (row["subject_id"] as String?).flatMap(UserID.init), event: row["event"], detail: row["detail"],
                ip: row["ip"]),
            previousHash: row["prev_hash"], hash: row["hash"])
    }

    static func verify(_ db: Database, key: [UInt8]?) throws -> AuditVerification {
        var expectedSequence: Int64 = 1
        var previous = genesis
        var count = 0
        let rows = try Row.fetchCursor(db, sql: "SELECT * FROM audit_log ORDER BY seq")
        while let row = try rows.next() {
            let entry = entry(row)
            if entry.sequence != expectedSequence { return .removed(sequence: expectedSequence) }
            if entry.previousHash != previous { return .relinked(sequence: entry.sequence) }
            if digest(sequence: entry.sequence, event: entry.event, previous: entry.previousHash, key: key) != entry.hash {
                return .changed(sequence: entry.sequence)
            }
            previous = entry.hash
            expectedSequence += 1
            count += 1
        }
        let highest = try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'") ?? 0
        if highest >= expectedSequence { return .removed(sequence: expectedSequence) }
        return .intact(entries: count)
    }
}
