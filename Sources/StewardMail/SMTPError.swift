/// Why a mail could not be handed to the SMTP server.
///
/// `stage` tells which step failed, `code` and `serverText` what the server answered (if it answered), so an
/// operator can tell "wrong password" from "server down" from "recipient unknown" in the log and the outbox row.
public struct SMTPError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The step of the SMTP conversation that failed.
    public enum Stage: String, Sendable, Equatable {
        /// DNS, TCP connect or (implicit) TLS handshake.
        case connect
        /// The server's 220 greeting.
        case greeting
        /// EHLO (and the HELO fallback).
        case ehlo
        /// STARTTLS not offered or refused, or the TLS handshake after it failed.
        case starttls
        /// AUTH refused, not offered, or not allowed over an unencrypted connection.
        case auth
        case mailFrom
        case rcptTo
        /// DATA, the message upload, or the server's verdict on the message.
        case data
        /// The server did not answer within `SMTPConfiguration.timeout`; `detail` names the step.
        case timeout
    }

    public var stage: Stage
    /// The SMTP reply code, or nil when the failure was not a server reply (network error, local check).
    public var code: Int?
    /// What the server said, its reply lines joined by spaces, or nil if it said nothing relevant.
    public var serverText: String?
    /// What went wrong in Steward's words, with a hint how to fix it.
    public var detail: String

    public init(stage: Stage, code: Int? = nil, serverText: String? = nil, detail: String) {
        self.stage = stage
        self.code = code
        self.serverText = serverText
        self.detail = detail
    }

    /// The server rejected with a 5xx reply: by the book retrying will not help. `MailSender` still retries
    /// (servers misreport, and configuration gets fixed), but logs these as errors.
    public var isPermanent: Bool {
        guard let code else { return false }
        return (500..<600).contains(code)
    }

    /// The server rejected with a 4xx reply: try again later.
    public var isTransient: Bool {
        guard let code else { return false }
        return (400..<500).contains(code)
    }

    public var description: String {
        var text = "SMTP \(stage.rawValue) failed: \(detail)"
        if let code { text += " (server replied \(code)\(serverText.map { " \($0)" } ?? ""))" }
        return text
    }
}
