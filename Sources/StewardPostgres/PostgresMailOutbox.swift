import Foundation
import StewardCore
import StewardVault
import StewardMail

/// The mail outbox table as the sender sees it, as `SQLiteMailOutbox` does on SQLite. Rows are written by identity
/// changes (`.enqueueMail`) in the same transaction as the change itself; the recipient and the texts are sealed in
/// the table and opened here, so the sender never sees a sealed value.
public struct PostgresMailOutbox: MailOutboxStore {
    let store: PostgresStore

    /// The outbox of `store`'s database.
    public init(store: PostgresStore) {
        self.store = store
    }

    public func dueMail(now: Int64, limit: Int) async throws -> [OutboxMail] {
        try await store.database.read { db in
            try await db.fetchAll(
                sql: """
                    SELECT id, recipient, subject, text_body, html_body, headers, attempts, created_time FROM mail_outbox
                    WHERE sent_time IS NULL AND next_attempt_time <= ? ORDER BY next_attempt_time, id LIMIT ?
                    """,
                arguments: [now, limit]
            ).map { row in
                OutboxMail(
                    id: try row["id"], recipient: try store.openContact(row, "recipient", .mailRecipient) ?? "",
                    subject: try row["subject"], textBody: try store.openContact(row, "text_body", .mailText) ?? "",
                    htmlBody: try store.openContact(row, "html_body", .mailHTML), headers: Self.headers(try row["headers"]),
                    attempts: try row["attempts"], createdAt: try row["created_time"])
            }
        }
    }

    /// Marks the mail sent and drops its body: bodies carry single-use links, which must not outlive delivery in
    /// the database. Recipient, subject and times stay as the record that the mail went out. The text column is
    /// `NOT NULL`, so it keeps empty bytes, which read as an empty text.
    public func markSent(id: Int64, at time: Int64) async throws {
        _ = try await store.database.write { db in
            try await db.execute(
                sql: "UPDATE mail_outbox SET sent_time = ?, last_error = NULL, text_body = ''::bytea, html_body = NULL WHERE id = ?",
                arguments: [time, id])
        }
    }

    public func markFailed(id: Int64, attempts: Int, retryAt: Int64, error: String) async throws {
        _ = try await store.database.write { db in
            try await db.execute(
                sql: "UPDATE mail_outbox SET attempts = ?, next_attempt_time = ?, last_error = ? WHERE id = ?",
                arguments: [attempts, retryAt, String(error.prefix(500)), id])
        }
    }

    /// The header column: a JSON array of [name, value] pairs.
    static func headers(_ text: String) -> [MailHeader] {
        var headers: [MailHeader] = []
        if case .array(let pairs)? = try? JSONParser.parse(Array(text.utf8)) {
            for case .array(let pair) in pairs where pair.count == 2 {
                if let name = pair[0].stringValue, let value = pair[1].stringValue { headers.append(MailHeader(name, value)) }
            }
        }
        return headers
    }
}
