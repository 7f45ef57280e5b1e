import NIOCore

/// One SMTP reply: a three-digit code and its text lines ("250-first", "250 last" make one reply).
struct SMTPReply: Sendable, Equatable {
    var code: Int
    /// The text of each line, without code and separator.
    var lines: [String]
    /// More bytes had already arrived after this reply. The client never pipelines, so that is unexpected; after
    /// STARTTLS it would be plain text injected ahead of the TLS handshake, and the client refuses it.
    var followedByData: Bool = false

    /// The lines joined with spaces, for errors and logs.
    var text: String { lines.joined(separator: " ").trimmingSpaces() }
    /// 2xx.
    var isPositive: Bool { (200..<300).contains(code) }
}

/// What the server announced in its EHLO reply.
struct SMTPExtensions: Sendable, Equatable {
    /// Keyword (upper-cased) to its parameters.
    var keywords: [String: [String]] = [:]

    init() {}

    /// Parses the lines after the first (which is the server's greeting text).
    init(ehloReply: SMTPReply) {
        for line in ehloReply.lines.dropFirst() {
            // "AUTH=PLAIN LOGIN" is an old spelling of "AUTH PLAIN LOGIN".
            let words = line.split(whereSeparator: { $0 == " " || $0 == "=" }).map { String($0).uppercased() }
            guard let keyword = words.first else { continue }
            keywords[keyword, default: []].append(contentsOf: words.dropFirst())
        }
    }

    var startTLS: Bool { keywords["STARTTLS"] != nil }
    /// SASL mechanisms offered, upper-cased; nil when AUTH is not offered.
    var authMechanisms: Set<String>? { keywords["AUTH"].map(Set.init) }
}

/// Cuts the byte stream into `SMTPReply`s, joining multi-line replies. Lines may end in CRLF or a bare LF.
struct SMTPReplyDecoder: ByteToMessageDecoder {
    typealias InboundOut = SMTPReply

    /// RFC 5321 allows 512 octets per reply line; servers exceed that, so be lenient but bounded.
    static let maximumLineLength = 4_096
    static let maximumLines = 200

    private var pendingLines: [String] = []

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        let view = buffer.readableBytesView
        guard let newline = view.firstIndex(of: UInt8(ascii: "\n")) else {
            if buffer.readableBytes > Self.maximumLineLength { throw SMTPProtocolViolation("reply line too long") }
            return .needMoreData
        }
        // Bytes, not Characters: in Swift "\r\n" is a single Character.
        var lineBytes = Array(view[view.startIndex..<newline])
        buffer.moveReaderIndex(forwardBy: lineBytes.count + 1)
        if lineBytes.last == UInt8(ascii: "\r") { lineBytes.removeLast() }
        guard lineBytes.count <= Self.maximumLineLength else { throw SMTPProtocolViolation("reply line too long") }
        let bytes = lineBytes
        let line = String(decoding: bytes, as: UTF8.self)
        guard bytes.count >= 3, bytes[0...2].allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
            let code = Int(String(decoding: bytes[0...2], as: UTF8.self)), (200..<600).contains(code)
        else { throw SMTPProtocolViolation("malformed reply line \"\(line.prefix(80))\"") }
        let separator = bytes.count > 3 ? bytes[3] : UInt8(ascii: " ")
        let text = bytes.count > 4 ? String(decoding: bytes[4...], as: UTF8.self) : ""
        pendingLines.append(text)

        if separator == UInt8(ascii: "-") {
            if pendingLines.count > Self.maximumLines { throw SMTPProtocolViolation("reply has too many lines") }
            return .continue
        }
        let reply = SMTPReply(code: code, lines: pendingLines, followedByData: buffer.readableBytes > 0)
        pendingLines = []
        context.fireChannelRead(Self.wrapInboundOut(reply))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws
        -> DecodingState
    {
        while try decode(context: context, buffer: &buffer) == .continue {}
        // A partial line at EOF is dropped: the connection is gone either way.
        return .needMoreData
    }
}

/// The server sent something that is not an SMTP reply.
struct SMTPProtocolViolation: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension String {
    func trimmingSpaces() -> String {
        var text = Substring(self)
        while text.first == " " { text.removeFirst() }
        while text.last == " " { text.removeLast() }
        return String(text)
    }
}
