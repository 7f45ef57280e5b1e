import Foundation
import NIOCore
import NIOHTTP1
import StewardCore

/// The first handler of every HTTP connection (below TLS): keeps the one deadline the connection is under and
/// closes it when that passes.
///
/// - While a request is being received (from its first byte, or from the connection's opening for the first one)
///   it must arrive in full within `readTimeout`: a header sent a byte at a time, or a body that trickles, ends.
/// - While the server works on requests no deadline runs (long polls and RPC waits have their own timeouts;
///   streamed downloads may be long).
/// - Otherwise the connection is idle and is closed after `idleTimeout`.
///
/// Request boundaries come from `RequestBoundaryObserver`, which sits behind the HTTP decoder.
final class ConnectionDeadlineHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    let limits: HTTPLimits
    private var reading = true
    private var readStarted = NIODeadline.now()
    private var openResponses = 0
    private var idleSince = NIODeadline.now()
    private var timer: Scheduled<Void>?
    private var timerDeadline: NIODeadline?
    private var context: ChannelHandlerContext?

    /// Told once, when the head of the connection's first request arrives (it is then no longer silent).
    private var firstRequestArrived: (() -> Void)?

    init(limits: HTTPLimits, firstRequestArrived: (() -> Void)? = nil) {
        self.limits = limits
        self.firstRequestArrived = firstRequestArrived
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { reschedule() }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelTimer()
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        reading = true
        readStarted = .now()
        reschedule()
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelTimer()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if !reading { startReading() }
        context.fireChannelRead(data)
    }

    /// A request head was decoded: a response is now owed.
    func requestHeadArrived() {
        if let firstRequestArrived {
            self.firstRequestArrived = nil
            firstRequestArrived()
        }
        openResponses += 1
        if !reading { startReading() }
    }

    /// A request arrived in full.
    func requestReceived() {
        reading = false
        reschedule()
    }

    /// A response was sent in full.
    func responseSent() {
        openResponses = max(0, openResponses - 1)
        if openResponses == 0 { idleSince = .now() }
        reschedule()
    }

    private func startReading() {
        reading = true
        readStarted = .now()
        reschedule()
    }

    private var deadline: NIODeadline? {
        if reading { return readStarted + limits.readTimeout }
        if openResponses > 0 { return nil }
        return idleSince + limits.idleTimeout
    }

    /// Makes sure a timer fires no later than the current deadline. Cheap on the request path: a timer is never
    /// armed further than `readTimeout` ahead, so every later read deadline finds one pending that fires first and
    /// nothing is cancelled or scheduled per request; when the timer fires it looks at the deadline then, closing
    /// the connection or arming itself again. (Scheduling and cancelling a timer for each request cost about a tenth
    /// of the HTTP device API's throughput.)
    private func reschedule() {
        guard let context, context.channel.isActive, let wanted = deadline else { return }
        if timer != nil, let timerDeadline, timerDeadline <= wanted { return }
        cancelTimer()
        let at = min(wanted, .now() + limits.readTimeout)
        timerDeadline = at
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: at) { [weak self] in self?.expired() }
    }

    private func cancelTimer() {
        timer?.cancel()
        timer = nil
        timerDeadline = nil
    }

    private func expired() {
        timer = nil
        timerDeadline = nil
        guard let context else { return }
        if let deadline, deadline <= .now() {
            context.close(promise: nil)
        } else {
            reschedule()
        }
    }
}

/// Sits right behind the HTTP/1 decoder: tells `ConnectionDeadlineHandler` where requests begin and end, refuses a
/// declared `Content-Length` over the largest body any route accepts (413, before reading any of it, then closes),
/// and closes the connection after a response that says `Connection: close` (a route's own 413), so the rest of
/// an oversized body is never read.
final class RequestBoundaryObserver: ChannelDuplexHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    let deadlines: ConnectionDeadlineHandler
    let maximumBodySize: Int
    private var refusing = false
    private var closeAfterResponse = false

    init(deadlines: ConnectionDeadlineHandler, maximumBodySize: Int) {
        self.deadlines = deadlines
        self.maximumBodySize = maximumBodySize
    }

    /// Installs the observer behind the decoder of a connection `GuardedHTTPChannel` set up; a refused connection
    /// (no deadline handler) gets none.
    static func install(on channel: any Channel, limits: HTTPLimits) throws {
        let sync = channel.pipeline.syncOperations
        guard let deadlines = try? sync.handler(type: ConnectionDeadlineHandler.self) else { return }
        let decoder = try sync.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
        try sync.addHandler(
            RequestBoundaryObserver(deadlines: deadlines, maximumBodySize: limits.maximumBodySize), position: .after(decoder))
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !refusing else { return }
        switch unwrapInboundIn(data) {
        case .head(let head):
            if let declared = Self.declaredLength(head.headers), declared > UInt64(maximumBodySize) {
                refuse(context: context, head: head, declared: declared)
                return
            }
            deadlines.requestHeadArrived()
        case .body:
            break
        case .end:
            deadlines.requestReceived()
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let head):
            if head.headers[canonicalForm: "connection"].contains(where: { $0.lowercased() == "close" }) { closeAfterResponse = true }
        case .body:
            break
        case .end:
            deadlines.responseSent()
            if closeAfterResponse {
                let written = promise ?? context.eventLoop.makePromise()
                context.writeAndFlush(data, promise: written)
                written.futureResult.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
                return
            }
        }
        context.write(data, promise: promise)
    }

    /// The declared body length; a value too large for 64 bits counts as the largest.
    /// Read byte by byte (spaces and tabs around the digits allowed), as it runs for every request.
    static func declaredLength(_ headers: HTTPHeaders) -> UInt64? {
        guard let text = headers.first(name: "content-length") else { return nil }
        var value: UInt64 = 0
        var digits = 0
        var ended = false
        for byte in text.utf8 {
            if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") {
                if digits > 0 { ended = true }
                continue
            }
            guard !ended, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            digits += 1
            let (shifted, overflow) = value.multipliedReportingOverflow(by: 10)
            let (sum, carry) = shifted.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
            value = overflow || carry ? .max : sum
        }
        return digits > 0 ? value : nil
    }

    private func refuse(context: ChannelHandlerContext, head: HTTPRequestHead, declared: UInt64) {
        refusing = true
        let message =
            "The request body (\(declared) bytes declared in Content-Length) is larger than the largest Steward accepts "
            + "(\(maximumBodySize) bytes); send less"
        let isREST = head.uri.hasPrefix("/api/") && !head.uri.hasPrefix("/api/v1/")
        var text: String
        if isREST {
            text = "{\"status\":413,\"message\":"
            JSONValue.writeString(message, to: &text)
            text += ",\"errorCode\":31,\"timestamp\":\(WallClock.nowMillis())}"
        } else {
            text = message
        }
        let body = context.channel.allocator.buffer(string: text)
        let headers = HTTPHeaders([
            ("Content-Type", isREST ? "application/json" : "text/plain; charset=utf-8"),
            ("Content-Length", String(body.readableBytes)), ("Connection", "close"),
        ])
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .payloadTooLarge, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }
}

/// Installed instead of everything else on a connection over `HTTPLimits.maximumConnections` (with none to close
/// to make room) or over `maximumConnectionsPerAddress`: answers 503 on plain HTTP (just closes under TLS) and
/// reads nothing.
final class ConnectionRefusal: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    let plainText: Bool

    init(plainText: Bool) { self.plainText = plainText }

    func channelActive(context: ChannelHandlerContext) {
        context.fireChannelActive()
        guard plainText else {
            context.close(promise: nil)
            return
        }
        let body = "Steward has too many HTTP connections open (in all, or from your address); try again shortly\n"
        let response =
            "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: \(body.utf8.count)\r\n"
            + "Retry-After: 5\r\nConnection: close\r\n\r\n\(body)"
        context.writeAndFlush(NIOAny(context.channel.allocator.buffer(string: response))).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}
}
