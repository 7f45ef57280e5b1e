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
        // The last entry's hash; on a trail retention emptied, the anchor's (the prune's own entry follows it).
        let previous =
            try String.fetchOne(db.cachedStatement(sql: "SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1"))
            ?? anchor(db)?.hash ?? genesis
        let sequence = (try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'") ?? 0) + 1
        let version = AuditChainDigest.currentVersion
        let hash = AuditChainDigest.digest(sequence: sequence, event: event, previous: previous, key: key, version: version)
        try db.execute(
            sql: """
                INSERT INTO audit_log(seq, time, tenant_id, actor_id, credential, subject_id, event, detail, ip, prev_hash, hash, v)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                sequence, event.time, event.tenantID?.description, event.actorID?.description, event.credential,
                event.subjectID?.description, event.event, event.detail, event.ip, previous, hash, version,
            ])
    }

    /// Where a pruned trail starts, or nil when nothing was ever pruned.
    static func anchor(_ db: Database) throws -> AuditAnchor? {
        try Row.fetchOne(db, sql: "SELECT seq, hash FROM audit_anchor").map { AuditAnchor(sequence: $0["seq"], hash: $0["hash"]) }
    }

    static func entry(_ row: Row) -> AuditEntry {
        AuditEntry(
            sequence: row["seq"],
            event: AuditEvent(
                time: row["time"], tenantID: (row["tenant_id"] as String?).flatMap(TenantID.init),
                actorID: (row["actor_id"] as String?).flatMap(UserID.init), credential: row["credential"],
                subjectID: (row["subject_id"] as String?).flatMap(UserID.init), event: row["event"], detail: row["detail"],
                ip: row["ip"]),
            previousHash: row["prev_hash"], hash: row["hash"], version: row["v"])
    }

    /// Walks the entries in sequence order (`AuditChainDigest.Walk`), then compares the end with `sqlite_sequence`.
    static func verify(_ db: Database, key: [UInt8]?) throws -> AuditVerification {
        var walk = AuditChainDigest.Walk(key: key, anchor: try anchor(db))
        let rows = try Row.fetchCursor(db, sql: "SELECT * FROM audit_log ORDER BY seq")
        while let row = try rows.next() {
            if let verdict = walk.next(entry(row)) { return verdict }
        }
        let highest = try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'") ?? 0
        return walk.finish(highest: highest)
    }

    /// Removes the oldest entries made before `cutoff`, at most `limit` of them and only a prefix of the trail (an
    /// entry stays while an older one must), then moves the anchor to the last one removed and appends the
    /// `audit.pruned` entry that vouches for it, all in the caller's transaction. Returns how many went.
    static func prune(before cutoff: Int64, limit: Int, key: [UInt8]?, _ db: Database) throws -> Int {
        guard let last = try AuditPruning.lastPrunable(db, cutoff: cutoff, limit: limit) else { return 0 }
        let first = (try anchor(db)?.sequence ?? 0) + 1
        guard let hash = try String.fetchOne(db, sql: "SELECT hash FROM audit_log WHERE seq = ?", arguments: [last]) else { return 0 }
        try db.execute(sql: "DELETE FROM audit_log WHERE seq <= ?", arguments: [last])
        let removed = db.changesCount
        let anchor = AuditAnchor(sequence: last, hash: hash)
        try db.execute(
            sql: "INSERT INTO audit_anchor(one, seq, hash) VALUES (1, ?, ?) ON CONFLICT(one) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
            arguments: [anchor.sequence, anchor.hash])
        try append(AuditPruning.event(first: first, anchor: anchor, time: WallClock.nowMillis()), key: key, db)
        return removed
    }
}

extension AuditPruning {
    /// The last entry a prune may remove: the end of the prefix (at most `limit` entries after the anchor) of entries
    /// made before `cutoff`; nil when the oldest entry is younger.
    static func lastPrunable(_ db: Database, cutoff: Int64, limit: Int) throws -> Int64? {
        try Int64.fetchOne(db, sql: lastPrunableSQL, arguments: [cutoff, cutoff, limit])
    }
}
