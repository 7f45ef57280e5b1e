import ConnectionGuard
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOSSL

/// What one HTTP connection may hold of the server. Without these a client that opens sockets and sends a request
/// header one byte a minute (slow-loris), or simply keeps idle keep-alive connections open, holds a file
/// descriptor each until the process runs out, and then MQTT devices cannot connect either.
public struct HTTPLimits: Sendable {
    /// A request must arrive in full (head and body) within this time of its first byte; the first request of a
    /// new connection, within this time of the connection opening. Slow or silent clients are disconnected.
    public var readTimeout: TimeAmount
    /// A keep-alive connection with no request in progress is closed after this long.
    public var idleTimeout: TimeAmount
    /// HTTP connections open at once. When they are all taken, the oldest connection still waiting for its first
    /// request head is closed to make room; when none is, a new connection is answered 503 and closed.
    public var maximumConnections: Int
    /// HTTP connections from one client address (one IPv4 address, or one IPv6 /64) at once; over it a new one is
    /// answered 503 and closed, so one client cannot take every slot.
    public var maximumConnectionsPerAddress: Int
    /// The largest body any route accepts: a request declaring a bigger `Content-Length` is answered 413 before
    /// any of its body is read, and the connection is closed. Routes have their own, smaller limits.
    public var maximumBodySize: Int

    public static let defaultReadTimeoutSeconds: Int64 = 30
    public static let defaultIdleTimeoutSeconds: Int64 = 60
    public static let defaultMaximumConnections = 4_096
    public static let defaultMaximumConnectionsPerAddress = 256
    /// The largest body a route reads (REST telemetry and device API uploads, 1 MiB).
    public static let largestRouteBody = 1 << 20

    public init(
        readTimeout: TimeAmount = .seconds(defaultReadTimeoutSeconds), idleTimeout: TimeAmount = .seconds(defaultIdleTimeoutSeconds),
        maximumConnections: Int = defaultMaximumConnections, maximumConnectionsPerAddress: Int = defaultMaximumConnectionsPerAddress,
        maximumBodySize: Int = largestRouteBody
    ) {
        self.readTimeout = readTimeout
        self.idleTimeout = idleTimeout
        self.maximumConnections = maximumConnections
        self.maximumConnectionsPerAddress = maximumConnectionsPerAddress
        self.maximumBodySize = maximumBodySize
    }
}

extension WebApplication {
    /// The server builder: HTTP/1.1, or HTTPS when a TLS configuration is given, with `limits` enforced on every
    /// connection (below TLS, so a handshake that never finishes is timed out too).
    /// With `webSocket`, a request to its paths that asks for an upgrade becomes a WebSocket session; every other
    /// request is plain HTTP as before.
    public static func server(tls: TLSConfiguration?, limits: HTTPLimits, logger: Logger, webSocket: LiveSocket? = nil) throws -> HTTPServerBuilder {
        let connections = HTTPConnectionLimiter(limits: limits, logger: logger)
        return HTTPServerBuilder { responder in
            guard let webSocket else {
                return try guarded(HTTP1Channel(responder: responder), tls: tls, limits: limits, connections: connections)
            }
            let base = HTTP1WebSocketUpgradeChannel(
                responder: responder, configuration: .init(ws: webSocket.configuration)
            ) { request, channel, _ in
                let decision = await webSocket.shouldUpgrade(request)
                // An upgraded connection leaves HTTP's deadlines behind: its own ping and protocol rules take over.
                if case .upgrade = decision { try await GuardedHTTPChannel<HTTP1Channel>.removeHTTPGuards(from: channel) }
                return decision
            }
            return try guarded(base, tls: tls, limits: limits, connections: connections)
        }
    }

    static func guarded<Base: ServerChildChannel>(
        _ base: Base, tls: TLSConfiguration?, limits: HTTPLimits, connections: HTTPConnectionLimiter
    ) throws -> any ServerChildChannel {
        if let tls {
            return GuardedHTTPChannel(base: try TLSChannel(base, tlsConfiguration: tls), limits: limits, connections: connections, plainText: false)
        }
        return GuardedHTTPChannel(base: base, limits: limits, connections: connections, plainText: true)
    }
}

/// The bookkeeping behind the HTTP connection limits, as a plain value (no sockets, no locks) so every rule can be
/// tested on its own; `HTTPConnectionLimiter` applies it to channels through `ConnectionGate`.
///
/// Connections are counted in total and per client address (an IPv4 address, or an IPv6 /64). When every slot is
/// taken, the oldest connection that has not yet sent the head of its first request is closed to make room: a
/// real client sends its request right after connecting, so that socket is almost certainly idle, and silent
/// sockets cannot keep everyone else out. Only when no such connection exists is the new one refused.
struct HTTPConnectionBooks: ConnectionBooks {
    enum Refusal: Hashable, Sendable {
        /// Every slot is taken by connections that have sent a request.
        case tooManyConnections
        /// This address already holds its share.
        case tooManyFromAddress
    }

    /// What is closed to make room: only connections that have not sent a request head.
    enum Eviction: Hashable, Sendable {
        case silent
    }

    typealias Admission = ConnectionAdmission<Refusal>

    struct Entry {
        var address: String
        var awaitingFirstRequest: Bool
    }

    let maximumConnections: Int
    let maximumPerAddress: Int
    private(set) var entries: [UInt64: Entry] = [:]
    private(set) var byAddress: [String: Int] = [:]
    /// Ids still awaiting their first request, oldest first.
    private var awaiting = EvictionQueue()
    /// Connections closed to make room so far.
    private(set) var evicted = 0
    private var nextID: UInt64 = 1

    init(maximumConnections: Int, maximumPerAddress: Int) {
        self.maximumConnections = maximumConnections
        self.maximumPerAddress = maximumPerAddress
    }

    var total: Int { entries.count }

    func connections(from address: String) -> Int { byAddress[address] ?? 0 }

    /// Decides about a new connection from `address` (an address key), before anything is read from it.
    mutating func admit(address: String) -> Admission {
        if connections(from: address) >= maximumPerAddress { return .refused(.tooManyFromAddress) }
        var evicting: UInt64?
        if total >= maximumConnections {
            let entries = self.entries
            guard total == maximumConnections, let oldest = awaiting.oldest(where: { entries[$0]?.awaitingFirstRequest == true })
            else { return .refused(.tooManyConnections) }
            release(oldest)
            evicted += 1
            evicting = oldest
        }
        let id = nextID
        nextID += 1
        entries[id] = Entry(address: address, awaitingFirstRequest: true)
        byAddress[address, default: 0] += 1
        awaiting.append(id)
        return .admitted(id: id, evicting: evicting)
    }

    /// The connection sent the head of its first request: it is no longer closed to make room.
    mutating func firstRequestArrived(_ id: UInt64) {
        guard entries[id]?.awaitingFirstRequest == true else { return }
        entries[id]!.awaitingFirstRequest = false
        awaiting.left()
        compactIfSparse()
    }

    /// The connection closed (or was evicted). Unknown ids are ignored, so releasing twice is harmless.
    mutating func release(_ id: UInt64) {
        guard let entry = entries.removeValue(forKey: id) else { return }
        if entry.awaitingFirstRequest { awaiting.left() }
        let left = (byAddress[entry.address] ?? 1) - 1
        byAddress[entry.address] = left > 0 ? left : nil
        compactIfSparse()
    }

    private mutating func compactIfSparse() {
        let entries = self.entries
        awaiting.compactIfSparse(where: { entries[$0]?.awaitingFirstRequest == true })
    }

    var evictions: [Eviction: Int] { [.silent: evicted] }

    func warning(refusals: [Refusal: Int], evictions: [Eviction: Int]) -> String {
        var parts: [String] = []
        if let count = refusals[.tooManyFromAddress] {
            parts.append("refused \(count) over \(maximumPerAddress) from one address (STEWARD_HTTP_MAX_CONNECTIONS_PER_ADDRESS)")
        }
        if let count = refusals[.tooManyConnections] {
            parts.append("refused \(count) over \(maximumConnections) open (STEWARD_HTTP_MAX_CONNECTIONS)")
        }
        if let count = evictions[.silent] {
            parts.append("closed \(count) that had not sent a request to make room")
        }
        return "HTTP connection limits reached since the last report: " + parts.joined(separator: "; ")
            + "; raise the limits if this is real traffic"
    }
}

/// Applies `HTTPConnectionBooks` across event loops (with the mechanics shared with MQTT, `ConnectionGate`), and
/// says at most once a minute when connections were refused or closed to make room.
final class HTTPConnectionLimiter: Sendable {
    let gate: ConnectionGate<HTTPConnectionBooks>
    let limits: HTTPLimits

    init(limits: HTTPLimits, logger: Logger) {
        self.limits = limits
        gate = ConnectionGate(
            books: HTTPConnectionBooks(
                maximumConnections: limits.maximumConnections, maximumPerAddress: limits.maximumConnectionsPerAddress),
            logger: logger, warningInterval: .seconds(60))
    }

    /// Admits or refuses a new connection: its id, or nil when it must be refused. Releases the id when the channel
    /// closes, however it closes.
    func admit(_ channel: any Channel) -> UInt64? {
        gate.admit(channel)
    }

    /// The connection sent the head of its first request (it is no longer silent).
    func firstRequestArrived(_ id: UInt64) {
        gate.withBooks { $0.firstRequestArrived(id) }
    }

    func release(_ id: UInt64) {
        gate.release(id)
    }
}

/// Wraps Hummingbird's HTTP/1 (or TLS) child channel: counts the connection against the limits, and installs the
/// deadline handlers around the HTTP codec.
struct GuardedHTTPChannel<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value

    let base: Base
    let limits: HTTPLimits
    let connections: HTTPConnectionLimiter
    /// Whether the socket speaks plain HTTP (a refusal can then be a readable 503; under TLS it is just closed).
    let plainText: Bool

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let limits = self.limits
        do {
            let sync = channel.pipeline.syncOperations
            if let id = connections.admit(channel) {
                let connections = self.connections
                try sync.addHandler(
                    ConnectionDeadlineHandler(limits: limits, firstRequestArrived: { connections.firstRequestArrived(id) }),
                    position: .first)
                // First of all, so it records a caller's FIN or drop from the start (see `CallerGoneWatcher`).
                try sync.addHandler(CallerGoneWatcher(), position: .first)
            } else {
                try sync.addHandler(ConnectionRefusal(plainText: plainText), position: .first)
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
