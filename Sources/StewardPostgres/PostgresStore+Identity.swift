import Foundation
import StewardCore
import StewardStore

/// `IdentityStore` on PostgreSQL, the writing half: every change goes through `apply` in one transaction (the SQL of
/// each change is in `PostgresStore+IdentityChanges.swift` and `+Rights.swift`), plus the few writes outside it
/// (touching sessions and keys, abuse limits, the sweep of unopened accounts) and the audit trail's reads. The
/// reading half is `PostgresStore+IdentityReads.swift`.
extension PostgresStore: IdentityStore {
    /// Applies `changes` all or nothing. A value that must be unique and is taken is a conflict, as on SQLite.
    public func apply(_ changes: [IdentityChange]) async throws {
        do {
            try await database.write { db in
                for change in changes { try await self.apply(change, db) }
            }
        } catch let violation as UniqueViolation {
            throw StewardError.conflict("This already exists (\(violation.constraint))")
        }
    }

    /// Records activity at most once a minute, so a busy session does not write on every request.
    public func touchSession(id: String, at time: Int64) async throws {
        _ = try await database.write { db in
            try await db.execute(
                sql: "UPDATE session SET last_seen_time = ? WHERE id = ? AND last_seen_time < ?",
                arguments: [time, id, time - 60_000])
        }
    }

    public func touchAPIKey(id: String, at time: Int64, ip: String) async throws {
        _ = try await database.write { db in
            try await db.execute(
                sql: "UPDATE api_key SET last_used_time = ?, last_used_ip = ? WHERE id = ?", arguments: [time, ip, id])
        }
    }

    /// Counts the client's attempts of this kind in the window and, if under the limit, records this one. SQLite
    /// serialises writers; here an advisory lock per (kind, client) makes count-then-insert atomic, so two parallel
    /// attempts cannot both take the last place.
    public func grantAttempt(_ limit: AttemptLimit) async throws -> Bool {
        try await database.write { db in
            try await db.execute(
                sql: "SELECT pg_advisory_xact_lock(\(Self.attemptLockSpace), hashtext(? || '/' || ?))",
                arguments: [limit.kind, limit.client])
            let since = limit.time - limit.window
            try await db.execute(sql: "DELETE FROM client_attempt WHERE kind = ? AND time < ?", arguments: [limit.kind, since])
            let made =
                try await db.fetchValue(
                    Int.self, sql: "SELECT COUNT(*) FROM client_attempt WHERE kind = ? AND client = ? AND time >= ?",
                    arguments: [limit.kind, limit.client, since]) ?? 0
            guard made < limit.perClient else { return false }
            try await db.execute(
                sql: "INSERT INTO client_attempt(time, kind, client) VALUES (?, ?, ?)", arguments: [limit.time, limit.kind, limit.client])
            return true
        }
    }

    /// Deletes accounts created before `createdBefore` that still wait for their email or a parent, and their sign-up
    /// tenant when nobody else and no device is left in it; returns the accounts deleted.
    public func deleteUnopenedAccounts(createdBefore: Int64) async throws -> [User] {
        try await database.write { db in
            let users = try await db.fetchAll(
                sql: """
                    SELECT * FROM "user" WHERE status IN ('awaiting-email', 'awaiting-parent') AND created_time < ?
                    ORDER BY created_time, id
                    """,
                arguments: [createdBefore]
            ).map { try User(postgres: $0, store: self) }
            for user in users {
                try await db.execute(sql: "DELETE FROM \"user\" WHERE id = ?", arguments: [user.id.description])
                guard let tenant = user.tenantID?.description else { continue }
                let members = try await db.fetchValue(Int.self, sql: "SELECT COUNT(*) FROM \"user\" WHERE tenant_id = ?", arguments: [tenant])
                let devices = try await db.fetchValue(Int.self, sql: "SELECT COUNT(*) FROM device WHERE tenant_id = ?", arguments: [tenant])
                if members == 0, devices == 0 {
                    try await db.execute(sql: "DELETE FROM tenant WHERE id = ?", arguments: [tenant])
                }
            }
            return users
        }
    }

    /// Entries newest first, filtered by whichever of tenant, subject and event is given.
    public func auditEntries(tenant: TenantID?, subject: UserID?, event: String?, limit: Int) async throws -> [AuditEntry] {
        try await database.read { db in
            var conditions: [String] = []
            var arguments: SQLArguments = []
            if let tenant {
                conditions.append("tenant_id = ?")
                arguments = arguments + [tenant.description]
            }
            if let subject {
                conditions.append("subject_id = ?")
                arguments = arguments + [subject.description]
            }
            if let event {
                conditions.append("event = ?")
                arguments = arguments + [event]
            }
            let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            return try await db.fetchAll(
                sql: "SELECT * FROM audit_log \(filter) ORDER BY seq DESC LIMIT ?", arguments: arguments + [limit]
            ).map(PostgresAuditChain.entry)
        }
    }

    /// The walk over the whole trail, in one read-only repeatable-read transaction: an append committing meanwhile
    /// can neither show up half (a head ahead of the rows read) nor be reported as a removed tail.
    public func verifyAuditChain() async throws -> AuditVerification {
        let key = auditKey
        return try await database.write { db in
            try await db.execute(sql: "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            return try await PostgresAuditChain.verify(db, key: key)
        }
    }

    /// The first key of the two-key advisory locks that serialise abuse-limit counters ("STAT"; an int4, written into
    /// the SQL because `pg_advisory_xact_lock(int, int)` takes no bigint).
    static let attemptLockSpace: Int32 = 0x5354_4154
    /// The first key of the lock that serialises mail allowances ("MAIL", second key 0).
    static let mailAllowanceLockSpace: Int32 = 0x4D41_494C
}
