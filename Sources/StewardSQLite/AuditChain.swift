import Foundation
import GRDB
import StewardCore
import StewardStore

/// The audit trail's hash chain. Each entry's hash covers its own fields and the previous entry's hash, so editing
/// an entry changes its hash, and removing one breaks the link of the next (or, at the end, leaves
/// `sqlite_sequence` ahead of the last entry). With a key (kept in a file outside the database) the hash is an
/// HMAC, so someone who can write the database but not read the key cannot recompute the chain after an edit.
enum AuditChain {
    static let genesis = AuditChainDigest.genesis

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

    /// See `AuditChainDigest.digest` (shared by every backend).
    static func digest(sequence: Int64, event: AuditEvent, previous: String, key: [UInt8]?) -> String {
        AuditChainDigest.digest(sequence: sequence, event: event, previous: previous, key: key)
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

    /// Walks the entries in sequence order (`AuditChainDigest.Walk`), then compares the end with `sqlite_sequence`.
    static func verify(_ db: Database, key: [UInt8]?) throws -> AuditVerification {
        var walk = AuditChainDigest.Walk(key: key)
        let rows = try Row.fetchCursor(db, sql: "SELECT * FROM audit_log ORDER BY seq")
        while let row = try rows.next() {
            if let verdict = walk.next(entry(row)) { return verdict }
        }
        let highest = try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'") ?? 0
        return walk.finish(highest: highest)
    }
}
