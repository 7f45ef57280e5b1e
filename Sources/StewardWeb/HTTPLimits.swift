import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL
import StewardAuth
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
    public static func server(tls: TLSConfiguration?, limits: HTTPLimits, logger: Logger) throws -> HTTPServerBuilder {
        let connections = HTTPConnectionLimiter(limits: limits, logger: logger)
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

/// The bookkeeping behind the HTTP connection limits, as a plain value (no sockets, no locks) so every rule can be
/// tested on its own; `HTTPConnectionLimiter` wraps it for the listener.
///
/// Connections are counted in total and per client address (an IPv4 address, or an IPv6 /64). When every slot is
/// taken, the oldest connection that has not yet sent the head of its first request is closed to make room: a
/// real client sends its request right after connecting, so that socket is almost certainly idle, and silent
/// sockets cannot keep everyone else out. Only when no such connection exists is the new one refused.
struct HTTPConnectionBooks {
    enum Refusal: Equatable {
        /// Every slot is taken by connections that have sent a request.
        case tooManyConnections
        /// This address already holds its share.
        case tooManyFromAddress
    }

    enum Admission: Equatable {
        /// Serve it under `id`; close the connection `evicting` first when set (it was silent and made room).
        case admitted(id: UInt64, evicting: UInt64?)
        case refused(Refusal)
    }

    struct Entry {
        var address: String
        var awaitingFirstRequest: Bool
    }

    let maximumConnections: Int
    let maximumPerAddress: Int
    private(set) var entries: [UInt64: Entry] = [:]
    private(set) var byAddress: [String: Int] = [:]
    /// Ids still awaiting their first request in admission order (oldest first); may hold ids that moved on,
    /// skipped lazily.
    private var awaitingOrder = CircularBuffer<UInt64>()
    private var awaitingCount = 0
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
        var evicted: UInt64?
        if total >= maximumConnections {
            guard total == maximumConnections, let oldest = oldestAwaitingFirstRequest() else { return .refused(.tooManyConnections) }
            release(oldest)
            evicted = oldest
        }
        let id = nextID
        nextID += 1
        entries[id] = Entry(address: address, awaitingFirstRequest: true)
        byAddress[address, default: 0] += 1
        awaitingOrder.append(id)
        awaitingCount += 1
        return .admitted(id: id, evicting: evicted)
    }

    /// The connection sent the head of its first request: it is no longer closed to make room.
    mutating func firstRequestArrived(_ id: UInt64) {
        guard entries[id]?.awaitingFirstRequest == true else { return }
        entries[id]!.awaitingFirstRequest = false
        awaitingCount -= 1
        compactIfSparse()
    }

    /// The connection closed (or was evicted). Unknown ids are ignored, so releasing twice is harmless.
    mutating func release(_ id: UInt64) {
        guard let entry = entries.removeValue(forKey: id) else { return }
        if entry.awaitingFirstRequest { awaitingCount -= 1 }
        let left = (byAddress[entry.address] ?? 1) - 1
        byAddress[entry.address] = left > 0 ? left : nil
        compactIfSparse()
    }

    private mutating func oldestAwaitingFirstRequest() -> UInt64? {
        while let first = awaitingOrder.first {
            if entries[first]?.awaitingFirstRequest == true { return first }
            awaitingOrder.removeFirst()
        }
        return nil
    }

    /// Drops ids that moved on once they outnumber the live ones, so the queue stays proportional to the silent
    /// connections.
    private mutating func compactIfSparse() {
        guard awaitingOrder.count > 64, awaitingOrder.count > 2 * awaitingCount else { return }
        let entries = self.entries
        awaitingOrder = CircularBuffer(awaitingOrder.filter { entries[$0]?.awaitingFirstRequest == true })
    }

    /// The key connections are counted under: the IPv4 address, or the /64 of an IPv6 address (one subscriber
    /// usually holds a whole /64); an IPv4-mapped IPv6 address counts as its IPv4 address.
    static func addressKey(_ address: SocketAddress?) -> String {
        guard let ip = address?.ipAddress else { return "unknown" }
        return ClientInfo(ip: ip, client: "").rateLimitKey
    }
}

/// Applies `HTTPConnectionBooks` across event loops, and says (at most once a minute) when connections were
/// refused or closed to make room.
final class HTTPConnectionLimiter: Sendable {
    struct State {
        var books: HTTPConnectionBooks
        /// How to close each admitted connection, for evictions.
        var closers: [UInt64: @Sendable () -> Void] = [:]
        var refusals: [HTTPConnectionBooks.Refusal: Int] = [:]
        var evictions = 0
        var lastLogged: ContinuousClock.Instant?
    }

    private let state: Mutex<State>
    let limits: HTTPLimits
    let logger: Logger

    init(limits: HTTPLimits, logger: Logger) {
        self.limits = limits
        self.logger = logger
        state = Mutex(State(books: HTTPConnectionBooks(
            maximumConnections: limits.maximumConnections, maximumPerAddress: limits.maximumConnectionsPerAddress)))
    }

    /// Admits or refuses a new connection: its id, or nil when it must be refused. Releases the id when the channel
    /// closes, however it closes.
    func admit(_ channel: any Channel) -> UInt64? {
        let address = HTTPConnectionBooks.addressKey(channel.remoteAddress)
        let now = ContinuousClock.now
        let (admission, evictedCloser, report) = state.withLock { state in
            let admission = state.books.admit(address: address)
            var evictedCloser: (@Sendable () -> Void)?
            switch admission {
            case .admitted(let id, let evicting):
                state.closers[id] = { channel.close(promise: nil) }
                if let evicting {
                    evictedCloser = state.closers.removeValue(forKey: evicting)
                    state.evictions += 1
                }
            case .refused(let refusal):
                state.refusals[refusal, default: 0] += 1
            }
            return (admission, evictedCloser, Self.takeReport(&state, now: now))
        }
        evictedCloser?()
        if let report { logger.warning("\(report)") }
        guard case .admitted(let id, _) = admission else { return nil }
        channel.closeFuture.whenComplete { _ in self.release(id) }
        return id
    }

    /// The connection sent the head of its first request (it is no longer silent).
    func firstRequestArrived(_ id: UInt64) {
        state.withLock { $0.books.firstRequestArrived(id) }
    }

    func release(_ id: UInt64) {
        state.withLock { state in
            state.books.release(id)
            state.closers[id] = nil
        }
    }

    /// The warning to log now, if there is something to say and the last one is a minute old; resets the counts.
    private static func takeReport(_ state: inout State, now: ContinuousClock.Instant) -> String? {
        guard !state.refusals.isEmpty || state.evictions > 0 else { return nil }
        if let last = state.lastLogged, now - last < .seconds(60) { return nil }
        state.lastLogged = now
        var parts: [String] = []
        if let count = state.refusals[.tooManyFromAddress] {
            parts.append(
                "refused \(count) over \(state.books.maximumPerAddress) from one address (STEWARD_HTTP_MAX_CONNECTIONS_PER_ADDRESS)")
        }
        if let count = state.refusals[.tooManyConnections] {
            parts.append("refused \(count) over \(state.books.maximumConnections) open (STEWARD_HTTP_MAX_CONNECTIONS)")
        }
        if state.evictions > 0 {
            parts.append("closed \(state.evictions) that had not sent a request to make room")
        }
        state.refusals = [:]
        state.evictions = 0
        return "HTTP connection limits reached since the last report: " + parts.joined(separator: "; ")
            + "; raise the limits if this is real traffic"
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
