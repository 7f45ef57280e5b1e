import Logging
import NIOCore
import Synchronization

/// Applies `ConnectionLimits` to the listener's connections, shared by the plain and the TLS listener.
///
/// Every decision is taken before anything is read from a socket; a refused connection is closed at once. Refusals
/// are logged as one warning at most every `warningInterval` with the counts since the last one, so a flood does
/// not also flood the log.
public final class ConnectionLimiter: Sendable {
    struct State {
        var books: ConnectionLimits
        /// How to close each admitted connection, for evictions.
        var closers: [UInt64: @Sendable () -> Void] = [:]
        var refusals: [ConnectionLimits.Refusal: Int] = [:]
        /// Evictions counted by `books` when the last warning was written: idle, provisioning.
        var reportedEvictions = (idle: 0, provisioning: 0)
        var lastWarning: ContinuousClock.Instant?
    }

    private let state: Mutex<State>
    let logger: Logger
    let warningInterval: Duration

    public init(policy: ConnectionLimits.Policy, logger: Logger, warningInterval: Duration = .seconds(10)) {
        state = Mutex(State(books: ConnectionLimits(policy: policy)))
        self.logger = logger
        self.warningInterval = warningInterval
    }

    public var policy: ConnectionLimits.Policy { state.withLock { $0.books.policy } }

    /// Admits or refuses a new connection. Returns its id, or nil after closing it. Releases the id when the channel
    /// closes, however it closes.
    func admit(_ channel: any Channel) -> UInt64? {
        let address = ConnectionLimits.addressKey(channel.remoteAddress)
        let now = ContinuousClock.now
        let (admission, evictedCloser, warning) = state.withLock { state in
            let admission = state.books.admit(address: address)
            var evictedCloser: (@Sendable () -> Void)?
            switch admission {
            case .admitted(let id, let evicting):
                state.closers[id] = { channel.close(promise: nil) }
                if let evicting {
                    evictedCloser = state.closers.removeValue(forKey: evicting)
                }
            case .refused(let refusal):
                state.refusals[refusal, default: 0] += 1
            }
            return (admission, evictedCloser, Self.takeWarning(&state, now: now, interval: warningInterval))
        }
        evictedCloser?()
        if let warning { logger.warning("\(warning)") }
        guard case .admitted(let id, _) = admission else {
            channel.close(promise: nil)
            return nil
        }
        channel.closeFuture.whenComplete { _ in self.release(id) }
        return id
    }

    /// The connection sent CONNECT (it is no longer idle).
    func connectReceived(_ id: UInt64) {
        state.withLock { $0.books.connectReceived(id) }
    }

    /// The connection became a `provision` session (it may be closed to make room, after idle ones).
    func provisioningStarted(_ id: UInt64) {
        state.withLock { $0.books.provisioningStarted(id) }
    }

    /// The connection authenticated as a device (it leaves the unauthenticated share).
    func authenticated(_ id: UInt64) {
        state.withLock { $0.books.authenticated(id) }
    }

    func release(_ id: UInt64) {
        state.withLock { state in
            state.books.release(id)
            state.closers[id] = nil
        }
    }

    /// Current counts, for tests and diagnostics.
    public var counts: (total: Int, unauthenticated: Int) {
        state.withLock { ($0.books.total, $0.books.unauthenticated) }
    }

    /// The warning to log now, if there is something to report and the last one is old enough; resets the counts.
    private static func takeWarning(_ state: inout State, now: ContinuousClock.Instant, interval: Duration) -> String? {
        let idle = state.books.evictedIdle - state.reportedEvictions.idle
        let provisioning = state.books.evictedProvisioning - state.reportedEvictions.provisioning
        guard !state.refusals.isEmpty || idle > 0 || provisioning > 0 else { return nil }
        if let last = state.lastWarning, now - last < interval { return nil }
        state.lastWarning = now
        let policy = state.books.policy
        var parts: [String] = []
        if let count = state.refusals[.tooManyFromAddress] {
            parts.append("\(count) over the per-address limit of \(policy.maximumUnauthenticatedPerAddress) unauthenticated (STEWARD_MQTT_MAX_UNAUTHENTICATED_PER_ADDRESS)")
        }
        if let count = state.refusals[.tooManyUnauthenticated] {
            parts.append("\(count) over the limit of \(policy.unauthenticatedCeiling) unauthenticated (STEWARD_MQTT_MAX_UNAUTHENTICATED)")
        }
        if let count = state.refusals[.tooManyConnections] {
            parts.append("\(count) over the limit of \(policy.maximumConnections) connections (STEWARD_MQTT_MAX_CONNECTIONS)")
        }
        if idle > 0 {
            parts.append("\(idle) idle connections that had not sent CONNECT closed to make room")
        }
        if provisioning > 0 {
            parts.append("\(provisioning) provisioning sessions closed to make room")
        }
        state.refusals = [:]
        state.reportedEvictions = (state.books.evictedIdle, state.books.evictedProvisioning)
        return "MQTT connection limits reached since the last report: " + parts.joined(separator: "; ")
    }
}
