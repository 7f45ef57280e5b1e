import Foundation

/// A mail ready to be rendered as an RFC 5322 / MIME message.
///
/// Rendering is deterministic for a given date and Message-ID (the multipart boundary is derived from the
/// content), which keeps tests exact and makes a resent mail byte-identical to the first try.
public struct MailMessage: Sendable, Equatable {
    /// From: address. `SMTPClient` uses `SMTPConfiguration.sender` for the envelope.
    public var from: String
    /// From: display name.
    public var fromName: String?
    /// The single recipient: account mail always goes to one person.
    public var to: String
    public var subject: String
    public var textBody: String
    /// When set, the message is multipart/alternative with the text first (the least preferred) and HTML second.
    public var htmlBody: String?
    /// Extra headers, written after Subject in the given order. See `MailHeader` for what is dropped.
    public var headers: [MailHeader]

    public init(
        from: String, fromName: String? = nil, to: String, subject: String, textBody: String,
        htmlBody: String? = nil, headers: [MailHeader] = []
    ) {
        self.from = from
        self.fromName = fromName
        self.to = to
        self.subject = subject
        self.textBody = textBody
        self.htmlBody = htmlBody
        self.headers = headers
    }

    /// The message for a queued mail, from the configured sender.
    public init(_ mail: OutboxMail, from: String, fromName: String? = nil) {
        self.init(
            from: from, fromName: fromName, to: mail.recipient, subject: mail.subject, textBody: mail.textBody,
            htmlBody: mail.htmlBody, headers: mail.headers)
    }

    /// Headers that `rendered` writes itself; extra headers with these names are ignored.
    static let reservedHeaderNames: Set<String> = [
        "date", "message-id", "from", "to", "subject", "mime-version", "content-type", "content-transfer-encoding",
    ]

    /// The full message: headers, a blank line, the body; CRLF line endings, every line at most 998 octets and
    /// 7-bit clean (bodies are quoted-printable, non-ASCII headers RFC 2047 encoded-words), ending in CRLF.
    ///
    /// - Parameter messageID: the Message-ID, with or without angle brackets, e.g. "<outbox-42@example.com>".
    public func rendered(date: Date, messageID: String) -> String {
        var output = MIME.header("Date", tokens: [MIME.rfc5322Date(date)])
        let bareID = MIME.sanitizedAddress(messageID)
        output += MIME.header("Message-ID", tokens: ["<\(bareID)>"])
        let fromAddress = "<\(MIME.sanitizedAddress(from))>"
        if let fromName, !MIME.sanitized(fromName).isEmpty {
            output += MIME.header("From", tokens: MIME.phraseTokens(fromName) + [fromAddress])
        } else {
            output += MIME.header("From", tokens: [MIME.sanitizedAddress(from)])
        }
        output += MIME.header("To", tokens: [MIME.sanitizedAddress(to)])
        output += MIME.header("Subject", subject)
        for header in headers {
            let name = MIME.sanitizedHeaderName(header.name)
            guard !name.isEmpty, !Self.reservedHeaderNames.contains(name.lowercased()) else { continue }
            output += MIME.header(name, header.value)
        }
        output += MIME.header("MIME-Version", tokens: ["1.0"])

        guard let htmlBody else {
            output += Self.partHeaders(subtype: "plain") + MIME.crlf
            return output + MIME.quotedPrintable(textBody) + MIME.crlf
        }
        let boundary = Self.boundary(messageID: bareID, textBody: textBody, htmlBody: htmlBody)
        output += MIME.header("Content-Type", tokens: ["multipart/alternative;", "boundary=\"\(boundary)\""])
        output += MIME.crlf
        for (subtype, body) in [("plain", textBody), ("html", htmlBody)] {
            output += "--" + boundary + MIME.crlf
            output += Self.partHeaders(subtype: subtype) + MIME.crlf
            output += MIME.quotedPrintable(body) + MIME.crlf
        }
        return output + "--" + boundary + "--" + MIME.crlf
    }

    private static func partHeaders(subtype: String) -> String {
        MIME.header("Content-Type", tokens: ["text/\(subtype);", "charset=UTF-8"])
            + MIME.header("Content-Transfer-Encoding", tokens: ["quoted-printable"])
    }

    /// "=_" cannot occur in quoted-printable output ("=" is always followed by hex digits or a line break), so a
    /// boundary starting with it can never collide with an encoded body; the hash only makes it look unique.
    static func boundary(messageID: String, textBody: String, htmlBody: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a
        for byte in [messageID, textBody, htmlBody].lazy.flatMap({ $0.utf8 }) {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return "=_steward_" + String(repeating: "0", count: 16 - hex.count) + hex
    }
}
