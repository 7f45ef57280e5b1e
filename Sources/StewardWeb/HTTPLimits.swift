import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL
import Synchronization

/// What one HTTP connection may hold of the server. Without these a client that opens sockets and sends a request
/// header one byte a minute (slow-loris), or simply keeps idle keep-alive connections open, holds a file
/// descriptor each until the process runs out, and then MQTT devices cannot connect either.
public struct HTTPLimits: Sendable {
    /// A request must arrive in full (head and body) within this time of its first byte; the first request of a
    /// new connection, within this time of the connection opening. Slow or silent clients are disconnected.
    public var readTimeout: TimeAmount
    /// A keep-alive connection with no request in progress is closed after this long.
    public var idleTimeout: TimeAmount
    /// HTTP connections open at once; over it a new connection is answered 503 and closed.
    public var maximumConnections: Int
    /// The largest body any route accepts: a request declaring a bigger `Content-Length` is answered 413 before
    /// any of its body is read, and the connection is closed. Routes have their own, smaller limits.
    public var maximumBodySize: Int

    public static let defaultReadTimeoutSeconds: Int64 = 30
    public static let defaultIdleTimeoutSeconds: Int64 = 60
    public static let defaultMaximumConnections = 4_096
    /// The largest body a route reads (REST telemetry and device API uploads, 1 MiB).
    public static let largestRouteBody = 1 << 20

    public init(
        readTimeout: TimeAmount = .seconds(defaultReadTimeoutSeconds), idleTimeout: TimeAmount = .seconds(defaultIdleTimeoutSeconds),
        maximumConnections: Int = defaultMaximumConnections, maximumBodySize: Int = largestRouteBody
    ) {
        self.readTimeout = readTimeout
        self.idleTimeout = idleTimeout
        self.maximumConnections = maximumConnections
        self.maximumBodySize = maximumBodySize
    }
}

extension WebApplication {
    /// The server builder: HTTP/1.1, or HTTPS when a TLS configuration is given, with `limits` enforced on every
    /// connection (below TLS, so a handshake that never finishes is timed out too).
    public static func server(tls: TLSConfiguration?, limits: HTTPLimits, logger: Logger) throws -> HTTPServerBuilder {
        let connections = HTTPConnectionCount(logger: logger)
        if let tls {
            return HTTPServerBuilder { responder in
                GuardedHTTPChannel(
                    base: try TLSChannel(HTTP1Channel(responder: responder), tlsConfiguration: tls), limits: limits,
                    connections: connections, plainText: false)
            }
        }
        return HTTPServerBuilder { responder in
            GuardedHTTPChannel(base: HTTP1Channel(responder: responder), limits: limits, connections: connections, plainText: true)
        }
    }
}

/// Counts open HTTP connections across event loops, and says (at most once a minute) when some were refused.
final class HTTPConnectionCount: Sendable {
    private let open = Atomic<Int>(0)
    private let refusals = Mutex<(count: Int, lastLogged: ContinuousClock.Instant?)>((0, nil))
    let logger: Logger

    init(logger: Logger) { self.logger = logger }

    /// Counts a new connection; returns how many are open with it.
    func opened() -> Int { open.wrappingAdd(1, ordering: .relaxed).newValue }

    func closed() { open.wrappingSubtract(1, ordering: .relaxed) }

    func refused(limit: Int) {
        let now = ContinuousClock.now
        let report = refusals.withLock { state -> Int? in
            state.count += 1
            if let last = state.lastLogged, now - last < .seconds(60) { return nil }
            state.lastLogged = now
            defer { state.count = 0 }
            return state.count
        }
        if let report {
            logger.warning(
                "HTTP connection limit reached: refused \(report) connection(s) over \(limit) open; raise STEWARD_HTTP_MAX_CONNECTIONS if this is real traffic")
        }
    }
}

/// Wraps Hummingbird's HTTP/1 (or TLS) child channel: counts the connection against the limit, and installs the
/// deadline handlers around the HTTP codec.
struct GuardedHTTPChannel<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value

    let base: Base
    let limits: HTTPLimits
    let connections: HTTPConnectionCount
    /// Whether the socket speaks plain HTTP (a refusal can then be a readable 503; under TLS it is just closed).
    let plainText: Bool

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let count = connections.opened()
        let connections = self.connections
        channel.closeFuture.whenComplete { _ in connections.closed() }
        let limits = self.limits
        do {
            let sync = channel.pipeline.syncOperations
            if count > limits.maximumConnections {
                connections.refused(limit: limits.maximumConnections)
                try sync.addHandler(ConnectionRefusal(plainText: plainText), position: .first)
            } else {
                try sync.addHandler(ConnectionDeadlineHandler(limits: limits), position: .first)
            }
        } catch {
            channel.close(promise: nil)
            return channel.eventLoop.makeFailedFuture(error)
        }
        return base.setup(channel: channel, logger: logger).flatMapThrowing { value in
            try RequestBoundaryObserver.install(on: channel, limits: limits)
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}
