import Foundation
import Logging
import NIOCore
import NIOSSL

/// One open SMTP conversation: writes command lines, reads replies, and turns every failure into an
/// `SMTPError` for the stage in progress. Owned by a single task for the life of one connection.
struct SMTPConnection {
    /// The step in progress; failures that are not server replies are reported against it.
    var stage: SMTPError.Stage = .greeting
    /// Whether the connection is encrypted (implicit TLS, or after STARTTLS).
    var isEncrypted: Bool
    private var replies: NIOAsyncChannelInboundStream<SMTPReply>.AsyncIterator
    private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    private let channel: any Channel
    private let timeoutFlag: SMTPTimeoutFlag
    private let timeout: TimeAmount
    private let logger: Logger

    init(
        channel: NIOAsyncChannel<SMTPReply, ByteBuffer>, inbound: NIOAsyncChannelInboundStream<SMTPReply>,
        outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>, isEncrypted: Bool, timeoutFlag: SMTPTimeoutFlag,
        timeout: TimeAmount, logger: Logger
    ) {
        self.channel = channel.channel
        self.replies = inbound.makeAsyncIterator()
        self.outbound = outbound
        self.isEncrypted = isEncrypted
        self.timeoutFlag = timeoutFlag
        self.timeout = timeout
        self.logger = logger
    }

    /// Sends one command line and waits for its reply.
    ///
    /// - Parameter logAs: what to write to the trace log instead of the line, which may hold an address or,
    ///   for AUTH, a credential.
    mutating func command(_ line: String, logAs: String) async throws(SMTPError) -> SMTPReply {
        logger.trace("SMTP >>> \(logAs)")
        try await write(line + "\r\n")
        return try await readReply()
    }

    /// Waits for the next reply.
    mutating func readReply() async throws(SMTPError) -> SMTPReply {
        let reply: SMTPReply?
        do {
            reply = try await replies.next()
        } catch {
            throw failure(error)
        }
        guard let reply else {
            if timeoutFlag.isSet { throw timedOut() }
            throw SMTPError(stage: stage, detail: "the server closed the connection unexpectedly")
        }
        logger.trace("SMTP <<< \(reply.code)")
        return reply
    }

    /// Writes raw text (a command line or the dot-stuffed message).
    mutating func write(_ text: String) async throws(SMTPError) {
        do {
            try await outbound.write(ByteBuffer(string: text))
        } catch {
            // A write fails because the channel closed; why it closed (a failed TLS handshake, a timeout) is
            // waiting at the end of the inbound stream, and says more than "I/O on closed channel".
            do {
                _ = try await replies.next()
            } catch let cause {
                throw failure(cause)
            }
            throw failure(error)
        }
    }

    /// Puts TLS under the conversation after the server's 220 to STARTTLS. The handshake runs in the
    /// background; its failure surfaces on the next read.
    mutating func startTLS(context: NIOSSLContext, serverHostname: String?) async throws(SMTPError) {
        let channel = self.channel
        do {
            try await channel.eventLoop.submit {
                let handler = try NIOSSLClientHandler(context: context, serverHostname: serverHostname)
                try channel.pipeline.syncOperations.addHandler(handler, position: .first)
            }.get()
        } catch {
            throw SMTPError(stage: .starttls, detail: "could not start TLS: \(error)")
        }
        isEncrypted = true
    }

    /// Says goodbye and ignores the outcome: by now the mail was either accepted or already failed.
    mutating func quitQuietly() async {
        _ = try? await command("QUIT", logAs: "QUIT")
    }

    /// An error for a reply the conversation cannot continue from.
    func rejection(_ reply: SMTPReply, _ detail: String) -> SMTPError {
        SMTPError(stage: stage, code: reply.code, serverText: reply.text, detail: detail)
    }

    /// Maps an error from the channel to the stage in progress.
    func failure(_ error: any Error) -> SMTPError {
        if let error = error as? SMTPError { return error }
        if timeoutFlag.isSet || error is SMTPTimedOut { return timedOut() }
        if let violation = error as? SMTPProtocolViolation {
            return SMTPError(stage: stage, detail: "the server sent something that is not SMTP: \(violation)")
        }
        if error is NIOSSLError || error is BoringSSLError || error is NIOSSLExtraError {
            return SMTPError(
                stage: stage == .greeting && isEncrypted ? .connect : stage,
                detail: "TLS failed (check the host name, port, security mode and trust roots): \(error)")
        }
        return SMTPError(stage: stage, detail: "the connection failed: \(error)")
    }

    private func timedOut() -> SMTPError {
        let seconds = Double(timeout.nanoseconds) / 1e9
        return SMTPError(
            stage: .timeout,
            detail: "no reply within \(seconds) s during \(stage.rawValue); the server is stuck or the port is wrong")
    }
}

/// Set when the reply deadline passed, so the errors that the resulting close causes are reported as a timeout.
final class SMTPTimeoutFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var fired = false

    func set() { lock.withLock { fired = true } }
    var isSet: Bool { lock.withLock { fired } }
}

/// The server did not answer in time.
struct SMTPTimedOut: Error {}

/// Gives the server `timeout` to answer: armed when the connection opens (for the greeting and any implicit TLS
/// handshake) and whenever a command goes out, disarmed when a reply arrives. Time the client itself spends
/// between a reply and its next command does not count. On expiry it raises `SMTPTimedOut` and closes.
final class SMTPTimeoutHandler: ChannelDuplexHandler {
    typealias InboundIn = SMTPReply
    typealias InboundOut = SMTPReply
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let timeout: TimeAmount
    private let flag: SMTPTimeoutFlag
    private var deadline: Scheduled<Void>?

    init(timeout: TimeAmount, flag: SMTPTimeoutFlag) {
        self.timeout = timeout
        self.flag = flag
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { arm(context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        disarm()
    }

    func channelActive(context: ChannelHandlerContext) {
        arm(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        disarm()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        disarm()
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        arm(context)
        context.write(data, promise: promise)
    }

    private func arm(_ context: ChannelHandlerContext) {
        disarm()
        let flag = self.flag
        deadline = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) {
            flag.set()
            context.fireErrorCaught(SMTPTimedOut())
            context.close(promise: nil)
        }
    }

    private func disarm() {
        deadline?.cancel()
        deadline = nil
    }
}
