import Foundation
import GRDB
import StewardCore
import StewardMail
@testable import StewardPostgres
@testable import StewardSQLite
import StewardStore
import StewardTesting
import Testing

/// The mail outbox as the sender sees it, with the same assertions on `SQLiteMailOutbox` and `PostgresMailOutbox`:
/// mail queued by an identity change comes back due, opened and in order; a failed attempt waits for its retry time;
/// a sent mail is not due again and its texts are gone from the table; recipients and texts are sealed at rest.
@Suite struct MailOutboxTests {
    /// One outbox row as stored, read with raw SQL.
    struct StoredMail: Sendable {
        var id: Int64
        var recipient: [UInt8]
        var recipientHash: String?
        var textBody: [UInt8]
        var htmlBody: [UInt8]?
        var attempts: Int64
        var nextAttemptTime: Int64
        var sentTime: Int64?
        var lastError: String?
    }

    /// A backend's identity store (which queues mail), its outbox, and the table's rows as stored.
    struct Backend: Sendable, CustomStringConvertible {
        var name: String
        var make: @Sendable () async throws -> (
            identity: any IdentityStore, outbox: any MailOutboxStore, stored: @Sendable () async throws -> [StoredMail],
            cleanup: @Sendable () async throws -> Void
        )
        var description: String { name }

        static let master = Array(repeating: UInt8(9), count: 32)

        static let sqlite = Backend(name: "SQLite") {
            let directory = FileManager.default.temporaryDirectory
                .appendingPathComponent("steward-outbox-\(UUID().uuidString)").path
            let store = try SQLiteStore(directory: directory, durability: .normal, masterKey: master)
            let stored: @Sendable () async throws -> [StoredMail] = {
                try await store.pool.read { db in
                    try Row.fetchAll(db, sql: "SELECT * FROM mail_outbox ORDER BY id").map { row in
                        StoredMail(
                            id: row["id"], recipient: bytes(row["recipient"]) ?? [], recipientHash: row["recipient_hash"],
                            textBody: bytes(row["text_body"]) ?? [], htmlBody: bytes(row["html_body"]), attempts: row["attempts"],
                            nextAttemptTime: row["next_attempt_time"], sentTime: row["sent_time"], lastError: row["last_error"])
                    }
                }
            }
            return (store, SQLiteMailOutbox(store: store), stored, { try? FileManager.default.removeItem(atPath: directory) })
        }

        /// A SQLite value as bytes: sealed values are blobs, an emptied text is `''`.
        static func bytes(_ value: DatabaseValue) -> [UInt8]? {
            switch value.storage {
            case .blob(let data): return Array(data)
            case .string(let text): return Array(text.utf8)
            case .null: return nil
            default: return Array(value.description.utf8)
            }
        }

        static let postgres = Backend(name: "PostgreSQL") {
            let (store, cleanup) = try await TestCluster.freshStore(maximumConnections: 2)
            let stored: @Sendable () async throws -> [StoredMail] = {
                try await store.database.read { db in
                    try await db.fetchAll(sql: "SELECT * FROM mail_outbox ORDER BY id").map { row in
                        StoredMail(
                            id: try row["id"], recipient: try row.bytes("recipient") ?? [], recipientHash: try row["recipient_hash"],
                            textBody: try row.bytes("text_body") ?? [], htmlBody: try row.bytes("html_body"),
                            attempts: try row["attempts"], nextAttemptTime: try row["next_attempt_time"],
                            sentTime: try row["sent_time"], lastError: try row["last_error"])
                    }
                }
            }
            return (store, PostgresMailOutbox(store: store), stored, cleanup)
        }

        static let all: [Backend] = TestCluster.url != nil || TestCluster.required ? [.sqlite, .postgres] : [.sqlite]
    }

    static func contains(_ haystack: [UInt8], _ needle: String) -> Bool {
        let needle = Array(needle.utf8)
        guard !needle.isEmpty, haystack.count >= needle.count else { return false }
        return (0...(haystack.count - needle.count)).contains { Array(haystack[$0..<($0 + needle.count)]) == needle }
    }

    @Test(arguments: Backend.all) func queuedMailIsDueRetriedAndEmptiedWhenSent(_ backend: Backend) async throws {
        let (identity, outbox, stored, cleanup) = try await backend.make()
        do {
            let before = WallClock.nowMillis()
            try await identity.apply([
                .enqueueMail(
                    NewMail(
                        recipient: "Ada@Example.com", subject: "Your code", textBody: "Code 123456 for ada",
                        htmlBody: "<p>Code 123456 for ada</p>", headers: [["List-Unsubscribe", "<https://example.com/u/1>"]]))
            ])
            try await identity.apply([
                .enqueueMail(NewMail(recipient: "bob@example.com", subject: "Welcome", textBody: "Hello bob, confirm here")),
                .enqueueMail(NewMail(recipient: "carol@example.com", subject: "Reset", textBody: "Reset link for carol")),
            ])
            let after = WallClock.nowMillis()

            // Everything queued is due at once, oldest first, opened, with its headers.
            let due = try await outbox.dueMail(now: after, limit: 10)
            #expect(due.map(\.recipient) == ["Ada@Example.com", "bob@example.com", "carol@example.com"])
            #expect(due.map(\.subject) == ["Your code", "Welcome", "Reset"])
            #expect(due.map(\.textBody) == ["Code 123456 for ada", "Hello bob, confirm here", "Reset link for carol"])
            #expect(due.map(\.htmlBody) == ["<p>Code 123456 for ada</p>", nil, nil])
            #expect(due[0].headers == [MailHeader("List-Unsubscribe", "<https://example.com/u/1>")])
            #expect(due[1].headers.isEmpty)
            #expect(due.allSatisfy { $0.attempts == 0 && $0.createdAt >= before && $0.createdAt <= after })
            #expect(due[0].id < due[1].id && due[1].id < due[2].id)
            #expect(try await outbox.dueMail(now: after, limit: 2).map(\.id) == [due[0].id, due[1].id])
            #expect(try await outbox.dueMail(now: -1, limit: 10).isEmpty)
            let (ada, bob, carol) = (due[0], due[1], due[2])

            // At rest the recipients and texts are sealed; rows are found by the address's hash.
            let sealed = try await stored()
            #expect(sealed.count == 3)
            for (row, mail) in zip(sealed, due) {
                #expect(!Self.contains(row.recipient, mail.recipient) && !Self.contains(row.textBody, mail.textBody))
                #expect(row.recipientHash?.isEmpty == false)
            }
            #expect(sealed[0].htmlBody.map { Self.contains($0, "123456") } == false)

            // A failed attempt waits for its retry time; the error is kept, cut to 500 characters.
            try await outbox.markFailed(id: ada.id, attempts: 1, retryAt: after + 5_000, error: String(repeating: "x", count: 600))
            #expect(try await outbox.dueMail(now: after + 4_999, limit: 10).map(\.id) == [bob.id, carol.id])
            let retried = try await outbox.dueMail(now: after + 5_000, limit: 10)
            #expect(retried.map(\.id) == [bob.id, carol.id, ada.id])
            #expect(retried.last?.attempts == 1 && retried.last?.textBody == "Code 123456 for ada")
            let failed = try #require(try await stored().first { $0.id == ada.id })
            #expect(failed.lastError == String(repeating: "x", count: 500) && failed.nextAttemptTime == after + 5_000)

            // A sent mail is not due again; its texts are gone, recipient and times stay as the record.
            try await outbox.markSent(id: ada.id, at: after + 6_000)
            try await outbox.markSent(id: carol.id, at: after + 6_001)
            #expect(try await outbox.dueMail(now: .max, limit: 10).map(\.id) == [bob.id])
            let rows = try await stored()
            let sentAda = try #require(rows.first { $0.id == ada.id })
            #expect(sentAda.textBody.isEmpty && sentAda.htmlBody == nil && sentAda.lastError == nil)
            #expect(sentAda.sentTime == after + 6_000 && !sentAda.recipient.isEmpty && sentAda.attempts == 1)
            let sentCarol = try #require(rows.first { $0.id == carol.id })
            #expect(sentCarol.textBody.isEmpty && sentCarol.sentTime == after + 6_001)
            let unsent = try #require(rows.first { $0.id == bob.id })
            #expect(!unsent.textBody.isEmpty && unsent.sentTime == nil)
        } catch {
            try? await cleanup()
            throw error
        }
        try await cleanup()
    }
}
