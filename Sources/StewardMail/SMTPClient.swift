import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL

/// Hands one message at a time to an SMTP server (RFC 5321), over its own connection.
///
/// A connection per mail keeps the client stateless: account mail is rare, and nothing can go stale between
/// mails. The client never pipelines and never retries; the outbox (`MailSender`) owns retrying.
public struct SMTPClient: Sendable {
    public let configuration: SMTPConfiguration
    let eventLoopGroup: any EventLoopGroup
    let logger: Logger

    /// - Parameter logger: connection steps go to debug, commands (verbs only, never credentials or content) to
    ///   trace.
    public init(
        configuration: SMTPConfiguration, eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "steward.mail.smtp")
    ) {
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
        var logger = logger
        logger[metadataKey: "smtp.server"] = "\(configuration.host):\(configuration.port)"
        self.logger = logger
    }

    /// Delivers `message` to its recipient, from `configuration.sender`: greeting, EHLO (HELO fallback), STARTTLS
    /// per `security` (then EHLO again), AUTH if configured, MAIL FROM, RCPT TO, DATA with dot-stuffing, QUIT.
    ///
    /// Returns once the server accepted the message (250 after DATA); a failure of the goodbye after that is
    /// ignored, so a thrown error always means the server did not take the mail.
    ///
    /// - Parameters:
    ///   - date: the Date header.
    ///   - messageID: the Message-ID; a random one at the sender's domain when nil. Pass a stable one when retrying
    ///     so a duplicate (accepted but the 250 was lost) can be recognised.
    public func send(_ message: MailMessage, date: Date = Date(), messageID: String? = nil) async throws(SMTPError) {
        let sender = try Self.validated(configuration.sender, stage: .mailFrom, role: "sender")
        let recipient = try Self.validated(message.to, stage: .rcptTo, role: "recipient")
        let id =
            messageID ?? "<\(UUID().uuidString.lowercased())@\(SMTPConfiguration.domain(of: sender) ?? "localhost")>"
        let content = Self.dotStuffed(message.rendered(date: date, messageID: id))

        let tlsContext = try makeTLSContext()
        let timeoutFlag = SMTPTimeoutFlag()
        let channel = try await connect(tlsContext: tlsContext, timeoutFlag: timeoutFlag)
        logger.debug("connected to SMTP server")

        var accepted = false
        do {
            try await channel.executeThenClose { inbound, outbound in
                var connection = SMTPConnection(
                    channel: channel, inbound: inbound, outbound: outbound,
                    isEncrypted: configuration.security == .implicitTLS, timeoutFlag: timeoutFlag,
                    timeout: configuration.timeout, logger: logger)
                try await converse(
                    &connection, sender: sender, recipient: recipient, content: content, tlsContext: tlsContext,
                    accepted: &accepted)
            }
        } catch let error as SMTPError {
            if !accepted { throw error }
        } catch {
            if !accepted { throw SMTPError(stage: .data, detail: "the connection failed: \(error)") }
        }
    }

    // MARK: The conversation

    private func converse(
        _ connection: inout SMTPConnection, sender: String, recipient: String, content: String,
        tlsContext: NIOSSLContext?, accepted: inout Bool
    ) async throws(SMTPError) {
        do throws(SMTPError) {
            try await prepareSession(&connection, tlsContext: tlsContext)

            connection.stage = .mailFrom
            let mailFrom = try await connection.command("MAIL FROM:<\(sender)>", logAs: "MAIL FROM")
            guard mailFrom.isPositive else {
                throw connection.rejection(mailFrom, "the server refused the sender <\(sender)>")
            }

            connection.stage = .rcptTo
            let rcptTo = try await connection.command("RCPT TO:<\(recipient)>", logAs: "RCPT TO")
            guard rcptTo.code == 250 || rcptTo.code == 251 else {
                throw connection.rejection(rcptTo, "the server refused the recipient")
            }

            connection.stage = .data
            let data = try await connection.command("DATA", logAs: "DATA")
            guard data.code == 354 else { throw connection.rejection(data, "the server refused DATA") }
            logger.trace("SMTP >>> <message, \(content.utf8.count) bytes>")
            try await connection.write(content + ".\r\n")
            let verdict = try await connection.readReply()
            guard verdict.isPositive else { throw connection.rejection(verdict, "the server refused the message") }
            accepted = true
            logger.debug(
                "SMTP server accepted the message", metadata: ["smtp.reply": "\(verdict.code) \(verdict.text)"])
        } catch {
            // The server is still talking to us after a refusal: say goodbye politely.
            if error.code != nil { await connection.quitQuietly() }
            throw error
        }
        await connection.quitQuietly()
    }

    /// Greeting, EHLO, STARTTLS and AUTH: everything before the envelope.
    private func prepareSession(_ connection: inout SMTPConnection, tlsContext: NIOSSLContext?) async throws(SMTPError)
    {
        connection.stage = .greeting
        let greeting = try await connection.readReply()
        guard greeting.code == 220 else { throw connection.rejection(greeting, "the server refused the connection") }

        connection.stage = .ehlo
        var extensions = try await hello(&connection)

        let wantsTLS: Bool
        switch configuration.security {
        case .none, .implicitTLS: wantsTLS = false
        case .startTLSIfOffered: wantsTLS = extensions.startTLS
        case .startTLSRequired:
            guard extensions.startTLS else {
                connection.stage = .starttls
                await connection.quitQuietly()
                throw SMTPError(
                    stage: .starttls,
                    detail: "the server does not offer STARTTLS, which the configuration requires; "
                        + "use implicitTLS (usually port 465) if the server speaks TLS from the start")
            }
            wantsTLS = true
        }
        if wantsTLS {
            connection.stage = .starttls
            guard let tlsContext else {
                throw SMTPError(stage: .starttls, detail: "no TLS context for STARTTLS (internal error)")
            }
            let reply = try await connection.command("STARTTLS", logAs: "STARTTLS")
            guard reply.code == 220 else { throw connection.rejection(reply, "the server refused STARTTLS") }
            guard !reply.followedByData else {
                throw SMTPError(
                    stage: .starttls,
                    detail: "the server sent data after its STARTTLS reply; refusing it as a possible injection")
            }
            try await connection.startTLS(context: tlsContext, serverHostname: serverHostname)
            // The TLS handshake's failure shows up as the failure of this EHLO, hence still `.starttls`.
            extensions = try await hello(&connection)
            logger.debug("SMTP connection upgraded to TLS")
        }

        if configuration.username != nil || configuration.password != nil {
            connection.stage = .auth
            try await authenticate(&connection, extensions: extensions)
        }
    }

    /// EHLO, or HELO for a server too old for EHLO. Returns the announced extensions (none after HELO).
    private func hello(_ connection: inout SMTPConnection) async throws(SMTPError) -> SMTPExtensions {
        let name =
            MIME.sanitizedAddress(configuration.heloName).isEmpty
            ? "localhost" : MIME.sanitizedAddress(configuration.heloName)
        let ehlo = try await connection.command("EHLO \(name)", logAs: "EHLO")
        connection.stage = .ehlo
        if ehlo.code == 250 { return SMTPExtensions(ehloReply: ehlo) }
        guard (500...504).contains(ehlo.code) else {
            throw connection.rejection(ehlo, "the server refused EHLO \(name)")
        }
        let helo = try await connection.command("HELO \(name)", logAs: "HELO")
        guard helo.code == 250 else { throw connection.rejection(helo, "the server refused EHLO and HELO \(name)") }
        return SMTPExtensions()
    }

    /// AUTH PLAIN, or LOGIN where PLAIN is not offered. Credentials never travel in clear text to another host.
    private func authenticate(_ connection: inout SMTPConnection, extensions: SMTPExtensions) async throws(SMTPError) {
        guard let username = configuration.username, let password = configuration.password else {
            throw SMTPError(stage: .auth, detail: "username and password must be configured together")
        }
        guard connection.isEncrypted || configuration.hostIsLoopback else {
            await connection.quitQuietly()
            throw SMTPError(
                stage: .auth,
                detail: "refusing to send the password over an unencrypted connection; "
                    + "use security startTLSRequired or implicitTLS")
        }
        guard let mechanisms = extensions.authMechanisms else {
            await connection.quitQuietly()
            throw SMTPError(stage: .auth, detail: "credentials are configured but the server does not offer AUTH")
        }
        func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }

        if mechanisms.contains("PLAIN") {
            let token = base64("\0\(username)\0\(password)")
            var reply = try await connection.command("AUTH PLAIN \(token)", logAs: "AUTH PLAIN <credentials>")
            if reply.code == 334 { reply = try await connection.command(token, logAs: "<credentials>") }
            guard reply.code == 235 else {
                throw connection.rejection(reply, "the server refused the username or password")
            }
        } else if mechanisms.contains("LOGIN") {
            var reply = try await connection.command("AUTH LOGIN", logAs: "AUTH LOGIN")
            guard reply.code == 334 else { throw connection.rejection(reply, "the server refused AUTH LOGIN") }
            reply = try await connection.command(base64(username), logAs: "<username>")
            guard reply.code == 334 else { throw connection.rejection(reply, "the server refused the username") }
            reply = try await connection.command(base64(password), logAs: "<password>")
            guard reply.code == 235 else {
                throw connection.rejection(reply, "the server refused the username or password")
            }
        } else {
            await connection.quitQuietly()
            throw SMTPError(
                stage: .auth,
                detail: "the server offers AUTH \(mechanisms.sorted().joined(separator: " ")), "
                    + "but only PLAIN and LOGIN are supported")
        }
        logger.debug("SMTP authentication succeeded")
    }

    // MARK: Connecting

    private func connect(tlsContext: NIOSSLContext?, timeoutFlag: SMTPTimeoutFlag) async throws(SMTPError)
        -> NIOAsyncChannel<SMTPReply, ByteBuffer>
    {
        let implicitTLS = configuration.security == .implicitTLS ? tlsContext : nil
        let serverHostname = self.serverHostname
        let timeout = configuration.timeout
        do {
            return try await ClientBootstrap(group: eventLoopGroup)
                .connectTimeout(timeout)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .connect(host: configuration.host, port: configuration.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let pipeline = channel.pipeline.syncOperations
                        if let implicitTLS {
                            try pipeline.addHandler(
                                NIOSSLClientHandler(context: implicitTLS, serverHostname: serverHostname))
                        }
                        try pipeline.addHandler(ByteToMessageHandler(SMTPReplyDecoder()))
                        try pipeline.addHandler(SMTPTimeoutHandler(timeout: timeout, flag: timeoutFlag))
                        return try NIOAsyncChannel<SMTPReply, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch ChannelError.connectTimeout {
            throw SMTPError(
                stage: .timeout,
                detail: "connecting to \(configuration.host):\(configuration.port) took longer than "
                    + "\(timeout.nanoseconds / 1_000_000_000) s")
        } catch {
            throw SMTPError(
                stage: .connect,
                detail: "could not connect to \(configuration.host):\(configuration.port) "
                    + "(is the mail server running?): \(error)")
        }
    }

    /// The name for SNI and certificate checks; nil for an IP address, which NIOSSL then checks against the
    /// certificate's IP entries.
    private var serverHostname: String? {
        let host = configuration.host.trimmingCharacters(in: ["[", "]"])
        return (try? SocketAddress(ipAddress: host, port: 0)) == nil ? host : nil
    }

    private func makeTLSContext() throws(SMTPError) -> NIOSSLContext? {
        guard configuration.security != .none else { return nil }
        do {
            return try NIOSSLContext(configuration: configuration.tlsConfiguration)
        } catch {
            throw SMTPError(
                stage: configuration.security == .implicitTLS ? .connect : .starttls,
                detail: "the TLS configuration is unusable: \(error)")
        }
    }

    // MARK: Helpers

    /// Accepts a plain ASCII address with one "@", nothing that could break out of `<…>` or the command line.
    static func validated(_ address: String, stage: SMTPError.Stage, role: String) throws(SMTPError) -> String {
        let scalars = address.unicodeScalars
        let valid =
            !address.isEmpty && address.utf8.count <= 254
            && scalars.allSatisfy { $0.value > 0x20 && $0.value < 0x7F && $0 != "<" && $0 != ">" }
            && address.split(separator: "@", omittingEmptySubsequences: false).count == 2
            && !address.hasPrefix("@") && !address.hasSuffix("@")
        guard valid else {
            throw SMTPError(
                stage: stage,
                // The recipient's address is not quoted: the error is stored with the mail and logged.
                detail: "the \(role) address\(role == "recipient" ? "" : " \"\(address.prefix(100))\"") is not a plain ASCII email "
                    + "address (internationalized addresses are not supported)")
        }
        return address
    }

    /// RFC 5321 §4.5.2: a line starting with "." gets a second one, so it cannot end the DATA early.
    static func dotStuffed(_ rendered: String) -> String {
        var text = rendered.hasSuffix("\r\n") ? rendered : rendered + "\r\n"
        if text.hasPrefix(".") { text = "." + text }
        return text.replacingOccurrences(of: "\r\n.", with: "\r\n..")
    }
}
