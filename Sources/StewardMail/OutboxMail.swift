/// A mail waiting in the outbox.
///
/// Rows are written in the same database transaction as the account change that caused them, so a mail exists
/// if and only if the change committed; `MailSender` delivers it later, however long the mail server is away.
public struct OutboxMail: Sendable, Equatable {
    public var id: Int64
    public var recipient: String
    public var subject: String
    /// Plain-text body. Often holds a secret link, so it is never logged.
    public var textBody: String
    /// Optional HTML alternative; when set the mail is sent as multipart/alternative.
    public var htmlBody: String?
    public var headers: [MailHeader]
    /// Failed delivery attempts so far.
    public var attempts: Int
    /// When the mail was queued, unix milliseconds.
    public var createdAt: Int64

    public init(
        id: Int64, recipient: String, subject: String, textBody: String, htmlBody: String? = nil,
        headers: [MailHeader] = [], attempts: Int = 0, createdAt: Int64
    ) {
        self.id = id
        self.recipient = recipient
        self.subject = subject
        self.textBody = textBody
        self.htmlBody = htmlBody
        self.headers = headers
        self.attempts = attempts
        self.createdAt = createdAt
    }
}

/// Where queued mail lives. Steward implements it on SQLite; tests use an in-memory fake.
///
/// The sender never deletes a mail on failure: it only records the attempt and when to try again, so a mail
/// leaves the queue only through `markSent`.
public protocol MailOutboxStore: Sendable {
    /// Mail due now (next attempt time <= now, not sent), oldest first.
    func dueMail(now: Int64, limit: Int) async throws -> [OutboxMail]
    /// Records a successful delivery; the mail is not returned by `dueMail` again.
    func markSent(id: Int64, at: Int64) async throws
    /// Records a failed attempt; the mail stays queued until `retryAt` (unix millis).
    func markFailed(id: Int64, attempts: Int, retryAt: Int64, error: String) async throws
}
