import Foundation
import GRDB
import StewardCore
@testable import StewardSQLite
import StewardStore
import Testing

@testable import StewardAuth

/// The hash-chained audit trail of SQLiteStore, attacked with raw SQL.
@Suite struct AuditChainTests {
    let fixture: IdentityFixture
    var store: SQLiteStore { fixture.store }

    init() throws { fixture = try IdentityFixture() }

    func event(_ index: Int, tenant: TenantID? = nil, subject: UserID? = nil) -> AuditEvent {
        AuditEvent(
            time: 1_000 + Int64(index), tenantID: tenant, actorID: subject, credential: index.isMultiple(of: 2) ? "cli" : nil,
            subjectID: subject, event: "test.event-\(index)", detail: "detail \(index)", ip: "192.0.2.\(index)")
    }

    /// Appends `count` events, one transaction each (and two in one transaction at the end, to cover both).
    func append(_ count: Int) async throws {
        for index in 1...(count - 2) { try await store.apply([.audit(event(index))]) }
        try await store.apply([.audit(event(count - 1)), .audit(event(count))])
    }

    func execute(_ sql: String, _ arguments: StatementArguments = []) async throws {
        try await store.pool.write { db in try db.execute(sql: sql, arguments: arguments) }
    }

    @Test func anEmptyTrailIsIntact() async throws {
        #expect(try await store.verifyAuditChain() == .intact(entries: 0))
    }

    // promise: MS-15
    @Test func anUntouchedTrailIsIntact() async throws {
        try await append(5)
        #expect(try await store.verifyAuditChain() == .intact(entries: 5))

        let entries = try await store.auditEntries(tenant: nil, subject: nil, event: nil, limit: 100)
        #expect(entries.map(\.sequence) == [5, 4, 3, 2, 1])
        #expect(entries.last?.previousHash == String(repeating: "0", count: 64))
        for (newer, older) in zip(entries, entries.dropFirst()) {
            #expect(newer.previousHash == older.hash)
        }
        #expect(entries.last?.event == event(1))
        #expect(Set(entries.map(\.hash)).count == 5)
    }

    @Test func entriesAreFilteredByTenantSubjectAndEvent() async throws {
        let tenant = TenantID(), subject = UserID()
        try await store.apply([.audit(event(1, tenant: tenant)), .audit(event(2, subject: subject)), .audit(event(3))])
        #expect(try await store.auditEntries(tenant: tenant, subject: nil, event: nil, limit: 10).map(\.sequence) == [1])
        #expect(try await store.auditEntries(tenant: nil, subject: subject, event: nil, limit: 10).map(\.sequence) == [2])
        #expect(try await store.auditEntries(tenant: nil, subject: nil, event: "test.event-3", limit: 10).map(\.sequence) == [3])
        #expect(try await store.auditEntries(tenant: nil, subject: nil, event: nil, limit: 2).map(\.sequence) == [3, 2])
    }

    @Test func aFailedTransactionLeavesNoAuditEntry() async throws {
        try await append(3)
        let error = await stewardError {
            try await store.apply([.audit(event(4)), .consumeToken(hash: "nope", purpose: .resetPassword, at: 1)])
        }
        #expect(error?.kind == .conflict)
        #expect(try await store.verifyAuditChain() == .intact(entries: 3))
        try await store.apply([.audit(event(4))])
        #expect(try await store.verifyAuditChain() == .intact(entries: 4))
    }

    // promise: MS-15
    @Test(arguments: ["detail", "event", "time", "tenant_id", "actor_id", "credential", "subject_id", "ip"])
    func editingAnyFieldIsDetected(_ column: String) async throws {
        try await append(5)
        let value: any DatabaseValueConvertible = column == "time" ? 999 : (column.hasSuffix("_id") ? UUID().uuidString.lowercased() : "forged")
        try await execute("UPDATE audit_log SET \(column) = ? WHERE seq = 3", [value])
        #expect(try await store.verifyAuditChain() == .changed(sequence: 3))
    }

    // promise: MS-15
    @Test func settingAFieldToNullIsDetected() async throws {
        try await append(5)
        try await execute("UPDATE audit_log SET credential = NULL WHERE seq = 2")  // "cli" before
        #expect(try await store.verifyAuditChain() == .changed(sequence: 2))
    }

    // promise: MS-15
    @Test func deletingAMiddleEntryIsDetected() async throws {
        try await append(5)
        try await execute("DELETE FROM audit_log WHERE seq = 3")
        #expect(try await store.verifyAuditChain() == .removed(sequence: 3))
    }

    // promise: MS-15
    @Test func deletingTheFirstEntryIsDetected() async throws {
        try await append(5)
        try await execute("DELETE FROM audit_log WHERE seq = 1")
        #expect(try await store.verifyAuditChain() == .removed(sequence: 1))
    }

    // promise: MS-15
    @Test func deletingTheLastEntryIsDetected() async throws {
        try await append(5)
        try await execute("DELETE FROM audit_log WHERE seq = 5")
        #expect(try await store.verifyAuditChain() == .removed(sequence: 5))
    }

    // promise: MS-15
    @Test func deletingEveryEntryIsDetected() async throws {
        try await append(5)
        try await execute("DELETE FROM audit_log")
        #expect(try await store.verifyAuditChain() == .removed(sequence: 1))
    }

    // promise: MS-15
    @Test func swappingTwoEntriesContentsAndHashesIsDetected() async throws {
        try await append(5)
        try await store.pool.write { db in
            let rows = try Row.fetchAll(db, sql: "SELECT seq, detail, hash FROM audit_log WHERE seq IN (2, 4) ORDER BY seq")
            for (row, other) in zip(rows, rows.reversed()) {
                try db.execute(
                    sql: "UPDATE audit_log SET detail = ?, hash = ? WHERE seq = ?",
                    arguments: [other["detail"] as String, other["hash"] as String, row["seq"] as Int64])
            }
        }
        let details = try await store.pool.read { db in
            try String.fetchAll(db, sql: "SELECT detail FROM audit_log WHERE seq IN (2, 4) ORDER BY seq")
        }
        #expect(details == ["detail 4", "detail 2"])  // the swap happened
        let result = try await store.verifyAuditChain()
        #expect(result != .intact(entries: 5))
        #expect(result == .changed(sequence: 2))
    }

    // promise: MS-15
    @Test func renumberingAfterADeletionIsDetected() async throws {
        try await append(5)
        try await execute("DELETE FROM audit_log WHERE seq = 3")
        try await execute("UPDATE audit_log SET seq = seq - 1 WHERE seq > 3")
        try await execute("UPDATE sqlite_sequence SET seq = 4 WHERE name = 'audit_log'")
        let result = try await store.verifyAuditChain()
        #expect(result != .intact(entries: 4))
        #expect(result == .relinked(sequence: 3))
    }

    // promise: MS-15
    @Test func copyingAnEntryOverAnotherIsDetected() async throws {
        try await append(5)
        // Replace entry 4 by a copy of entry 3 (fields, link and hash): the link of 4 no longer matches 3's hash.
        try await execute(
            """
            UPDATE audit_log SET (time, tenant_id, actor_id, credential, subject_id, event, detail, ip, prev_hash, hash) =
                (SELECT time, tenant_id, actor_id, credential, subject_id, event, detail, ip, prev_hash, hash FROM audit_log WHERE seq = 3)
            WHERE seq = 4
            """)
        #expect(try await store.verifyAuditChain() == .relinked(sequence: 4))
    }

    @Test func appendingAfterADeletionKeepsCountingFromTheSequence() async throws {
        try await append(3)
        try await execute("DELETE FROM audit_log WHERE seq = 3")
        try await store.apply([.audit(event(9))])
        // The new entry is number 4 and links to entry 2, so the gap at 3 stays visible.
        #expect(try await store.verifyAuditChain() == .removed(sequence: 3))
    }

    /// Someone who can write the database but not read the key file recomputes every hash after an edit with
    /// plain SHA-256 (the only digest they can compute): the HMAC chain still catches it.
    // promise: MS-15
    @Test func rewritingAnEntryAndRecomputingTheChainWithoutTheKeyIsDetected() async throws {
        try await append(5)
        try await execute("UPDATE audit_log SET detail = 'forged' WHERE seq = 2")
        try await store.pool.write { db in
            var previous = try String.fetchOne(db, sql: "SELECT hash FROM audit_log WHERE seq = 1")!
            for row in try Row.fetchAll(db, sql: "SELECT * FROM audit_log WHERE seq >= 2 ORDER BY seq") {
                let fields: [String?] = [
                    String(row["time"] as Int64), row["tenant_id"], row["actor_id"], row["credential"], row["subject_id"], row["event"],
                    row["detail"], row["ip"], previous,
                ]
                var text = "\(row["seq"] as Int64)"
                for field in fields { text += field.map { "|\($0.utf8.count):\($0)" } ?? "|-" }
                let hash = Secrets.sha256Hex(text)
                try db.execute(
                    sql: "UPDATE audit_log SET prev_hash = ?, hash = ? WHERE seq = ?", arguments: [previous, hash, row["seq"] as Int64])
                previous = hash
            }
        }
        let result = try await store.verifyAuditChain()
        #expect(result == .changed(sequence: 2))
    }
}

/// The audit trail after retention pruned its oldest entries, attacked with raw SQL.
@Suite struct PrunedAuditChainTests {
    let fixture: IdentityFixture
    var store: SQLiteStore { fixture.store }

    /// Five entries (times 1,001 to 1,005), then a prune of those before 1,003: #1 and #2 go, #6 is `audit.pruned`.
    init() async throws {
        fixture = try IdentityFixture()
        for index in 1...5 {
            try await fixture.store.apply([
                .audit(AuditEvent(time: 1_000 + Int64(index), tenantID: nil, actorID: nil, credential: "cli", subjectID: nil, event: "test.event-\(index)", ip: "192.0.2.\(index)"))
            ])
        }
        #expect(try await fixture.store.pruneAudit(before: 1_003, limit: 100, dryRun: false).affected == 2)
    }

    func execute(_ sql: String) async throws {
        try await store.pool.write { db in try db.execute(sql: sql) }
    }

    // promise: MS-15
    @Test func aPrunedTrailVerifiesFromItsAnchor() async throws {
        #expect(try await store.verifyAuditChain() == .intact(entries: 4))
    }

    /// Removing more entries and moving the anchor past them: no entry vouches for the new start.
    // promise: MS-15
    @Test func removingEntriesAndMovingTheAnchorIsDetected() async throws {
        try await execute("DELETE FROM audit_log WHERE seq = 3")
        #expect(try await store.verifyAuditChain() == .removed(sequence: 3))
        try await execute("UPDATE audit_anchor SET seq = 3, hash = (SELECT prev_hash FROM audit_log WHERE seq = 4)")
        #expect(try await store.verifyAuditChain() == .anchorUnproven(sequence: 3))
    }

    // promise: MS-15
    @Test func removingTheAnchorOrThePruneEntryIsDetected() async throws {
        try await execute("DELETE FROM audit_log WHERE seq = 6")
        #expect(try await store.verifyAuditChain() == .removed(sequence: 6))
        try await execute("DELETE FROM audit_anchor")
        #expect(try await store.verifyAuditChain() == .removed(sequence: 1))
    }

    /// Claiming an entry is of the older digest (which hashes the full address) does not pass.
    // promise: MS-15
    @Test func downgradingAnEntrysDigestIsDetected() async throws {
        try await execute("UPDATE audit_log SET v = 1 WHERE seq = 4")
        #expect(try await store.verifyAuditChain() == .changed(sequence: 4))
        try await execute("UPDATE audit_log SET v = 2, ip = '192.0.3.4' WHERE seq = 4")
        #expect(try await store.verifyAuditChain() == .changed(sequence: 4))
    }
}

/// Reads of a person's data by someone else.
@Suite struct AccessLogTests {
    let fixture: IdentityFixture
    init() throws { fixture = try IdentityFixture() }

    // promise: HA-9
    @Test func anAdministratorReadingAnotherPersonsProfileIsLogged() async throws {
        let admin = try await fixture.makeAccount(email: "admin@example.com")
        let member = try await fixture.makeAccount(email: "member@example.com", authority: .customerUser, tenant: admin.tenantID)
        let principal = Principal(user: admin, credential: "session:abc")

        try await fixture.accessLog.personalDataRead(by: principal, of: member, what: "user profile (REST)", ip: "203.0.113.5")

        let entries = try await fixture.audit("personal-data.read")
        #expect(entries.count == 1)
        let event = try #require(entries.first?.event)
        #expect(event.subjectID == member.id)
        #expect(event.actorID == admin.id)
        #expect(event.tenantID == member.tenantID)
        #expect(event.credential == "session:abc")
        #expect(event.ip == "203.0.113.5")
        #expect(event.detail.contains("user profile (REST)"))
        // The reader is named by id and role, never by address: the trail keeps no contact details (MS-6).
        #expect(event.detail.contains("read by a TENANT_ADMIN"))
        #expect(!event.detail.contains("admin@example.com"))
        // The person can find it by their own id.
        #expect(try await fixture.audit("personal-data.read", subject: member.id).count == 1)
        #expect(try await fixture.store.verifyAuditChain() == .intact(entries: 1))
    }

    // promise: HA-9
    @Test func readingOnesOwnDataIsNotLogged() async throws {
        let admin = try await fixture.makeAccount(email: "admin@example.com")
        try await fixture.accessLog.personalDataRead(
            by: Principal(user: admin, credential: "session:abc"), of: admin, what: "user profile (REST)", ip: "203.0.113.5")
        #expect(try await fixture.count("audit_log") == 0)
    }

    // promise: MB-7
    @Test func aReadWithAnApplicationKeyNamesTheKey() async throws {
        let admin = try await fixture.makeAccount(email: "admin@example.com")
        let member = try await fixture.makeAccount(email: "member@example.com", authority: .customerUser, tenant: admin.tenantID)
        let (record, key) = try await fixture.apiKeys.create(for: admin, name: "ci", role: .readOnly, credential: "t", from: fixture.client())
        let principal = try await fixture.auth.principal(fromAPIKey: key, ip: "192.0.2.1")
        try await fixture.accessLog.personalDataRead(by: principal, of: member, what: "user profile", ip: "192.0.2.1")
        #expect(try await fixture.audit("personal-data.read", subject: member.id).first?.event.credential == "api-key:\(record.id)")
    }
}
