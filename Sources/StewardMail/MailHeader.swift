/// One extra header line on an outgoing mail, such as `Auto-Submitted: auto-generated` or `List-Unsubscribe`.
///
/// Values are rendered safely: line breaks are turned into spaces (so a value can never inject a header), long
/// values are folded, and non-ASCII values become RFC 2047 encoded-words. Names that `MailMessage` writes itself
/// (Date, Message-ID, From, To, Subject, MIME-Version, Content-Type, Content-Transfer-Encoding) are ignored so a
/// caller cannot produce a message with two of them.
public struct MailHeader: Sendable, Equatable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}
