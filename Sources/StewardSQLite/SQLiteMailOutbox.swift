import Foundation
import GRDB
import StewardCore
import StewardMail

/// The mail outbox table as the sender sees it. Rows are written by identity changes (`.enqueueMail`) in the same
/// transaction as the change itself; recipients and texts are opened here, so the sender never sees a sealed value.
public struct SQLiteMailOutbox: MailOutboxStore {
    let store: SQLiteStore
    var pool: StoreDatabase { store.pool }

    /// The outbox of `store`'s database.
    public init(store: SQLiteStore) {
        self.store = store
    }

    public func dueMail(now: Int64, limit: Int) async throws -> [OutboxMail] {
        try await pool.read { db in
            try store.openedRows(
                SQLiteStore.mailColumns, db,
                sql: """
                    SELECT * FROM mail_outbox WHERE sent_time IS NULL AND next_attempt_time <= ?
                    ORDER BY next_attempt_time, id LIMIT ?
                    """,
                arguments: [now, limit]
            ).map { row in
                let headerText: String = row["headers"]
                var headers: [MailHeader] = []
                if case .array(let pairs)? = try? JSONParser.parse(Array(headerText.utf8)) {
                    for case .array(let pair) in pairs where pair.count == 2 {
                        if let name = pair[0].stringValue, let value = pair[1].stringValue { headers.append(MailHeader(name, value)) }
                    }
                }
                return OutboxMail(
                    id: row["id"], recipient: row["recipient"], subject: row["subject"], textBody: row["text_body"],
                    htmlBody: row["html_body"], headers: headers, attempts: row["attempts"], createdAt: row["created_time"])
            }
        }
    }

    /// Marks the mail sent and drops its body: bodies carry single-use links, which must not outlive delivery in
    /// the database. Recipient, subject and times stay as the record that the mail went out.
    public func markSent(id: Int64, at time: Int64) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE mail_outbox SET sent_time = ?, last_error = NULL, text_body = '', html_body = NULL WHERE id = ?
                    """,
                arguments: [time, id])
        }
    }

    public func markFailed(id: Int64, attempts: Int, retryAt: Int64, error: String) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE mail_outbox SET attempts = ?, next_attempt_time = ?, last_error = ? WHERE id = ?",
                arguments: [attempts, retryAt, String(error.prefix(500)), id])
        }
    }
}
