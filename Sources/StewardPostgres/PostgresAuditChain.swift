import Foundation
import StewardCore
import StewardStore

/// The audit trail on PostgreSQL: the hashes and the verification walk are `AuditChainDigest`'s (the same as
/// SQLite's, so a copied chain still verifies); only the storage differs.
///
/// SQLite serialises writers, so "read the last hash, insert" is safe there. Here two transactions could read the
/// same last entry, and a sequence would advance on a rolled-back insert (verification would then report a removed
/// tail). So appends go through the one-row `audit_head` table: `SELECT … FOR UPDATE` locks it until the appending
/// transaction ends, which serialises appenders, and the head moves only when that transaction commits.
enum PostgresAuditChain {
    /// How many entries verification reads per query (the walk never holds the whole trail in memory).
    static let verificationPage = 5_000

    /// Appends `event` inside the caller's transaction (`db`).
    static func append(_ event: AuditEvent, key: [UInt8]?, _ db: SQLConnection) async throws {
        guard let head = try await db.fetchOne(sql: "SELECT seq, hash FROM audit_head FOR UPDATE") else {
            throw StewardError(.internal, "The audit trail's head row is missing from the database")
        }
        let last: Int64 = try head["seq"]
        let previous: String = try head["hash"]
        let sequence = last + 1
        let version = AuditChainDigest.currentVersion
        let hash = AuditChainDigest.digest(sequence: sequence, event: event, previous: previous, key: key, version: version)
        try await db.execute(
            sql: """
                INSERT INTO audit_log(seq, time, tenant_id, actor_id, credential, subject_id, event, detail, ip, prev_hash, hash, v)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                sequence, event.time, event.tenantID?.description, event.actorID?.description, event.credential,
                event.subjectID?.description, event.event, event.detail, event.ip, previous, hash, Int16(version),
            ])
        try await db.execute(sql: "UPDATE audit_head SET seq = ?, hash = ?", arguments: [sequence, hash])
    }

    /// An `audit_log` row as an entry.
    static func entry(_ row: SQLRow) throws -> AuditEntry {
        AuditEntry(
            sequence: try row["seq"],
            event: AuditEvent(
                time: try row["time"], tenantID: try PostgresRecords.optionalID(row, "tenant_id", TenantID.init),
                actorID: try PostgresRecords.optionalID(row, "actor_id", UserID.init), credential: try row["credential"],
                subjectID: try PostgresRecords.optionalID(row, "subject_id", UserID.init), event: try row["event"],
                detail: try row["detail"], ip: try row["ip"]),
            previousHash: try row["prev_hash"], hash: try row["hash"], version: Int(try row["v"] as Int16))
    }

    /// Where a pruned trail starts, or nil when nothing was ever pruned.
    static func anchor(_ db: SQLConnection) async throws -> AuditAnchor? {
        guard let row = try await db.fetchOne(sql: "SELECT seq, hash FROM audit_anchor") else { return nil }
        return AuditAnchor(sequence: try row["seq"], hash: try row["hash"])
    }

    /// Removes the oldest prefix of entries made before `cutoff` (at most `limit`), moves the anchor to the last one
    /// removed and appends the `audit.pruned` entry vouching for it, in the caller's transaction (see
    /// `AuditPruning`). The head row is locked first, so no append interleaves. Returns how many went.
    static func prune(before cutoff: Int64, limit: Int, key: [UInt8]?, _ db: SQLConnection) async throws -> Int {
        _ = try await db.fetchOne(sql: "SELECT seq FROM audit_head FOR UPDATE")
        guard let last = try await db.fetchValue(Int64.self, sql: AuditPruning.lastPrunableSQL, arguments: [cutoff, cutoff, limit]),
            let hash = try await db.fetchValue(String.self, sql: "SELECT hash FROM audit_log WHERE seq = ?", arguments: [last])
        else { return 0 }
        let first = (try await anchor(db)?.sequence ?? 0) + 1
        let removed = try await db.execute(sql: "DELETE FROM audit_log WHERE seq <= ?", arguments: [last])
        let anchor = AuditAnchor(sequence: last, hash: hash)
        try await db.execute(
            sql: "INSERT INTO audit_anchor(one, seq, hash) VALUES (true, ?, ?) ON CONFLICT (one) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
            arguments: [anchor.sequence, anchor.hash])
        try await append(AuditPruning.event(first: first, anchor: anchor, time: WallClock.nowMillis()), key: key, db)
        return removed
    }

    /// Walks the trail in sequence order, page by page, then compares its end with `audit_head.seq` (a removed tail
    /// leaves the head ahead). Run it in one repeatable-read transaction, so the pages and the head are one snapshot.
    static func verify(_ db: SQLConnection, key: [UInt8]?) async throws -> AuditVerification {
        var walk = AuditChainDigest.Walk(key: key, anchor: try await anchor(db))
        var after: Int64 = 0
        while true {
            let rows = try await db.fetchAll(
                sql: "SELECT * FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?", arguments: [after, verificationPage])
            for row in rows {
                let entry = try entry(row)
                if let verdict = walk.next(entry) { return verdict }
                after = entry.sequence
            }
            if rows.count < verificationPage { break }
        }
        let highest = try await db.fetchValue(Int64.self, sql: "SELECT seq FROM audit_head") ?? 0
        return walk.finish(highest: highest)
    }
}
