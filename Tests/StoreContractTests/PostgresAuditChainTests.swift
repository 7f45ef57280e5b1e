import Foundation
import StewardCore
@testable import StewardPostgres
import StewardStore
import StewardTesting
import Testing

/// The hash-chained audit trail of PostgresStore, attacked with raw SQL as `AuditChainTests` attacks SQLite's: an
/// edited field, a removed entry (first, middle or the tail, which only `audit_head` can reveal), a relinked entry,
/// and a chain read without its HMAC key.
@Suite(.enabled(if: TestCluster.url != nil || TestCluster.required)) struct PostgresAuditChainTests {
    static let key = [UInt8](repeating: 7, count: 32)

    func event(_ index: Int) -> AuditEvent {
        AuditEvent(
            time: 1_000 + Int64(index), tenantID: nil, actorID: UserID(), credential: index.isMultiple(of: 2) ? "cli" : nil,
            subjectID: nil, event: "test.event-\(index)", detail: "detail \(index)", ip: "192.0.2.\(index)")
    }

    /// A fresh database with five entries chained under `key`; `body` gets the store and a way to open a second store
    /// (another key) on the same database.
    func withTrail(_ body: (PostgresStore, _ reopen: ([UInt8]?) async throws -> PostgresStore) async throws -> Void) async throws {
        let (location, drop) = try await TestCluster.freshDatabase()
        var opened: [PostgresStore] = []
        func open(_ key: [UInt8]?) async throws -> PostgresStore {
            let database = try PostgresDatabase(location: location, maximumConnections: 2, callTimeout: .seconds(30))
            database.start()
            let store = try await PostgresStore.open(database: database, keys: InMemoryPersonKeys(), auditKey: key)
            opened.append(store)
            return store
        }
        do {
            let store = try await open(Self.key)
            for index in 1...3 { try await store.apply([.audit(event(index))]) }
            try await store.apply([.audit(event(4)), .audit(event(5))])
            #expect(try await store.verifyAuditChain() == .intact(entries: 5))
            try await body(store, open)
        } catch {
            for store in opened { await store.close() }
            try? await drop()
            throw error
        }
        for store in opened { await store.close() }
        try await drop()
    }

    func execute(_ store: PostgresStore, _ sql: String) async throws {
        _ = try await store.database.write { db in try await db.execute(sql: sql) }
    }

    @Test func hashesAreTheSharedKeyedDigest() async throws {
        try await withTrail { store, _ in
            let entries = try await store.auditEntries(tenant: nil, subject: nil, event: nil, limit: 10)
            #expect(entries.map(\.sequence) == [5, 4, 3, 2, 1])
            for entry in entries {
                #expect(entry.hash == AuditChainDigest.digest(sequence: entry.sequence, event: entry.event, previous: entry.previousHash, key: Self.key, version: entry.version))
                #expect(entry.hash != AuditChainDigest.digest(sequence: entry.sequence, event: entry.event, previous: entry.previousHash, key: nil, version: entry.version))
            }
        }
    }

    @Test(arguments: ["detail = 'forged'", "time = 999", "credential = NULL", "actor_id = NULL", "ip = '203.0.113.1'"])
    func editingAFieldIsDetected(_ assignment: String) async throws {
        try await withTrail { store, _ in
            try await execute(store, "UPDATE audit_log SET \(assignment) WHERE seq = 2")
            #expect(try await store.verifyAuditChain() == .changed(sequence: 2))
        }
    }

    @Test(arguments: [(1, 1), (3, 3)]) func deletingAnEntryIsDetected(_ deleted: Int, _ reported: Int64) async throws {
        try await withTrail { store, _ in
            try await execute(store, "DELETE FROM audit_log WHERE seq = \(deleted)")
            #expect(try await store.verifyAuditChain() == .removed(sequence: reported))
        }
    }

    @Test func deletingTheTailIsDetectedThroughTheHead() async throws {
        try await withTrail { store, _ in
            try await execute(store, "DELETE FROM audit_log WHERE seq >= 4")
            #expect(try await store.verifyAuditChain() == .removed(sequence: 4))
        }
    }

    @Test func relinkingAnEntryIsDetected() async throws {
        try await withTrail { store, _ in
            try await execute(store, "UPDATE audit_log SET prev_hash = repeat('1', 64) WHERE seq = 3")
            #expect(try await store.verifyAuditChain() == .relinked(sequence: 3))
        }
    }

    @Test func withoutTheKeyTheChainDoesNotVerify() async throws {
        try await withTrail { _, reopen in
            let keyless = try await reopen(nil)
            #expect(try await keyless.verifyAuditChain() == .changed(sequence: 1))
            let keyed = try await reopen(Self.key)
            #expect(try await keyed.verifyAuditChain() == .intact(entries: 5))
        }
    }

    /// After retention pruned #1 and #2: intact from the anchor; removing more and moving the anchor, or removing the
    /// prune's own entry, is detected, as on SQLite (`PrunedAuditChainTests`).
    // promise: MS-15
    @Test func aPrunedTrailVerifiesAndHidingMoreIsDetected() async throws {
        try await withTrail { store, _ in
            #expect(try await store.pruneAudit(before: 1_003, limit: 100, dryRun: false).affected == 2)
            #expect(try await store.verifyAuditChain() == .intact(entries: 4))
            try await execute(store, "DELETE FROM audit_log WHERE seq = 3")
            #expect(try await store.verifyAuditChain() == .removed(sequence: 3))
            try await execute(store, "UPDATE audit_anchor SET seq = 3, hash = (SELECT prev_hash FROM audit_log WHERE seq = 4)")
            #expect(try await store.verifyAuditChain() == .anchorUnproven(sequence: 3))
            try await execute(store, "UPDATE audit_log SET v = 1 WHERE seq = 4")
            #expect(try await store.verifyAuditChain() == .changed(sequence: 4))
        }
    }
}
