import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// A small SMTP server for tests: records what clients say and answers per `Behavior`.
final class TestSMTPServer: Sendable {
    struct Behavior: Sendable {
        var greeting = ["220 test.local ESMTP ready"]
        var supportsEHLO = true
        /// EHLO extension lines after the first ("250-test.local").
        var extensions = ["PIPELINING", "SIZE 10240000", "8BITMIME", "ENHANCEDSTATUSCODES"]
        /// Offers STARTTLS (before TLS) with this identity; also used for implicit TLS.
        var tlsIdentity: TestIdentity?
        var offerStartTLS = true
        var implicitTLS = false
        /// Offered AUTH mechanisms; nil offers none.
        var authMechanisms: [String]?
        var credentials: (user: String, password: String)? = nil
        /// Replaces the reply to every RCPT TO (lines of one, possibly multi-line, reply).
        var rcptReply: [String]?
        var dataReply = ["250 2.0.0 Ok: queued as 4F2A"]
        var startTLSReply = ["220 2.0.0 Ready to start TLS"]
        /// Never answers this verb (for timeouts).
        var stallOn: String?
    }

    struct ReceivedMail: Sendable, Equatable {
        var from: String
        var recipients: [String]
        var data: String
        var overTLS: Bool
        var authenticatedAs: String?
    }

    let record: ServerRecord
    let channel: any Channel
    var port: Int { channel.localAddress?.port ?? 0 }

    private init(record: ServerRecord, channel: any Channel) {
        self.record = record
        self.channel = channel
    }

    static func start(_ behavior: Behavior = Behavior(), port: Int = 0) async throws -> TestSMTPServer {
        let record = ServerRecord()
        let sslContext = try behavior.tlsIdentity.map { identity in
            try NIOSSLContext(
                configuration: .makeServerConfiguration(
                    certificateChain: [.certificate(identity.certificate)], privateKey: .privateKey(identity.key)))
        }
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    if behavior.implicitTLS, let sslContext {
                        try pipeline.addHandler(NIOSSLServerHandler(context: sslContext))
                    }
                    try pipeline.addHandler(ByteToMessageHandler(LineDecoder()))
                    try pipeline.addHandler(
                        TestSMTPHandler(
                            behavior: behavior, record: record, sslContext: sslContext, tls: behavior.implicitTLS))
                }
            }
            .bind(host: "127.0.0.1", port: port)
            .get()
        return TestSMTPServer(record: record, channel: channel)
    }

    func stop() async {
        try? await channel.close()
    }

    /// A port nothing listens on (bound, read, released).
    static func unusedPort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress?.port ?? 0
        try await channel.close()
        return port
    }
}

/// What the server saw, readable from tests on any thread.
final class ServerRecord: @unchecked Sendable {
    private let lock = NSLock()
    private var _commands: [String] = []
    private var _mails: [TestSMTPServer.ReceivedMail] = []
    private var _connections = 0

    var commands: [String] { lock.withLock { _commands } }
    var mails: [TestSMTPServer.ReceivedMail] { lock.withLock { _mails } }
    var connections: Int { lock.withLock { _connections } }
    /// Command verbs in order (first word, upper-cased).
    var verbs: [String] { commands.map { String($0.split(separator: " ").first ?? "").uppercased() } }

    func connected() { lock.withLock { _connections += 1 } }
    func command(_ line: String) { lock.withLock { _commands.append(line) } }
    func received(_ mail: TestSMTPServer.ReceivedMail) { lock.withLock { _mails.append(mail) } }
}

/// Splits input into lines without their CRLF.
struct LineDecoder: ByteToMessageDecoder {
    typealias InboundOut = String

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        let view = buffer.readableBytesView
        guard let newline = view.firstIndex(of: UInt8(ascii: "\n")) else { return .needMoreData }
        var bytes = Array(view[view.startIndex..<newline])
        buffer.moveReaderIndex(forwardBy: bytes.count + 1)
        if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
        context.fireChannelRead(Self.wrapInboundOut(String(decoding: bytes, as: UTF8.self)))
        return .continue
    }
}

/// One server-side SMTP session.
final class TestSMTPHandler: ChannelInboundHandler {
    typealias InboundIn = String
    typealias OutboundOut = ByteBuffer

    private enum State {
        case command
        case data([String])
        case authPlain
        case authLoginUser
        case authLoginPassword(String)
    }

    private let behavior: TestSMTPServer.Behavior
    private let record: ServerRecord
    private let sslContext: NIOSSLContext?
    private var tls: Bool
    private var state = State.command
    private var from: String?
    private var recipients: [String] = []
    private var authenticatedAs: String?

    init(behavior: TestSMTPServer.Behavior, record: ServerRecord, sslContext: NIOSSLContext?, tls: Bool) {
        self.behavior = behavior
        self.record = record
        self.sslContext = sslContext
        self.tls = tls
    }

    func channelActive(context: ChannelHandlerContext) {
        record.connected()
        reply(context, behavior.greeting)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let line = Self.unwrapInboundIn(data)
        switch state {
        case .data(var lines):
            if line == "." {
                state = .command
                record.received(
                    .init(
                        from: from ?? "", recipients: recipients,
                        data: lines.map { $0 + "\r\n" }.joined(), overTLS: tls, authenticatedAs: authenticatedAs))
                from = nil
                recipients = []
                reply(context, behavior.dataReply)
            } else {
                lines.append(line.hasPrefix(".") ? String(line.dropFirst()) : line)
                state = .data(lines)
            }
        case .authPlain:
            record.command("<auth>")
            checkPlain(context, line)
        case .authLoginUser:
            record.command("<auth>")
            state = .authLoginPassword(Self.base64Decoded(line))
            reply(context, ["334 UGFzc3dvcmQ6"])
        case .authLoginPassword(let user):
            record.command("<auth>")
            state = .command
            finishAuth(context, user: user, password: Self.base64Decoded(line))
        case .command:
            record.command(line)
            command(context, line)
        }
    }

    private func command(_ context: ChannelHandlerContext, _ line: String) {
        let words = line.split(separator: " ", maxSplits: 1)
        let verb = String(words.first ?? "").uppercased()
        let argument = words.count > 1 ? String(words[1]) : ""
        if verb == behavior.stallOn { return }
        switch verb {
        case "EHLO":
            guard behavior.supportsEHLO else { return reply(context, ["502 5.5.2 Error: command not recognized"]) }
            var lines = ["test.local greets \(argument)"] + behavior.extensions
            if sslContext != nil && !tls && behavior.offerStartTLS { lines.append("STARTTLS") }
            if let mechanisms = behavior.authMechanisms { lines.append("AUTH " + mechanisms.joined(separator: " ")) }
            reply(context, lines.enumerated().map { ($0.offset == lines.count - 1 ? "250 " : "250-") + $0.element })
        case "HELO":
            reply(context, ["250 test.local"])
        case "STARTTLS":
            guard let sslContext, !tls, behavior.offerStartTLS else { return reply(context, ["502 5.5.1 no TLS here"]) }
            reply(context, behavior.startTLSReply)
            try? context.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: sslContext), position: .first)
            tls = true
            from = nil
            recipients = []
            authenticatedAs = nil
        case "AUTH":
            let parts = argument.split(separator: " ")
            switch parts.first?.uppercased() {
            case "PLAIN" where parts.count > 1: checkPlain(context, String(parts[1]))
            case "PLAIN":
                state = .authPlain
                reply(context, ["334 "])
            case "LOGIN":
                state = .authLoginUser
                reply(context, ["334 VXNlcm5hbWU6"])
            default: reply(context, ["504 5.5.4 mechanism not supported"])
            }
        case "MAIL":
            from = Self.address(in: argument)
            reply(context, ["250 2.1.0 Ok"])
        case "RCPT":
            if let rcptReply = behavior.rcptReply { return reply(context, rcptReply) }
            recipients.append(Self.address(in: argument))
            reply(context, ["250 2.1.5 Ok"])
        case "DATA":
            guard from != nil, !recipients.isEmpty else {
                return reply(context, ["503 5.5.1 Error: need RCPT command"])
            }
            state = .data([])
            reply(context, ["354 End data with <CR><LF>.<CR><LF>"])
        case "RSET", "NOOP":
            reply(context, ["250 2.0.0 Ok"])
        case "QUIT":
            let boundContext = NIOLoopBound(context, eventLoop: context.eventLoop)
            context.writeAndFlush(Self.wrapOutboundOut(ByteBuffer(string: "221 2.0.0 Bye\r\n"))).whenComplete { _ in
                boundContext.value.close(promise: nil)
            }
        default:
            reply(context, ["502 5.5.2 Error: command not recognized"])
        }
    }

    private func checkPlain(_ context: ChannelHandlerContext, _ token: String) {
        state = .command
        let parts = Self.base64Decoded(token).split(separator: "\0", omittingEmptySubsequences: false)
        guard parts.count == 3 else { return reply(context, ["501 5.5.2 malformed"]) }
        finishAuth(context, user: String(parts[1]), password: String(parts[2]))
    }

    private func finishAuth(_ context: ChannelHandlerContext, user: String, password: String) {
        if let credentials = behavior.credentials, credentials.user == user, credentials.password == password {
            authenticatedAs = user
            reply(context, ["235 2.7.0 Authentication successful"])
        } else {
            reply(context, ["535 5.7.8 Error: authentication failed: bad credentials"])
        }
    }

    private func reply(_ context: ChannelHandlerContext, _ lines: [String]) {
        context.writeAndFlush(
            Self.wrapOutboundOut(ByteBuffer(string: lines.map { $0 + "\r\n" }.joined())), promise: nil)
    }

    private static func address(in argument: String) -> String {
        guard let open = argument.firstIndex(of: "<"), let close = argument.firstIndex(of: ">") else { return argument }
        return String(argument[argument.index(after: open)..<close])
    }

    private static func base64Decoded(_ text: String) -> String {
        String(decoding: Data(base64Encoded: text) ?? Data(), as: UTF8.self)
    }
}
