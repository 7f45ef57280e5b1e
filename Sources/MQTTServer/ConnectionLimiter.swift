import ConnectionGuard
import Logging
import NIOCore

/// Applies `ConnectionLimits` to the listener's connections, shared by the plain and the TLS listener.
///
/// Every decision is taken before anything is read from a socket; a refused connection is closed at once. The
/// mechanics (address key, lock, closing an evicted connection, the release on close, and refusals logged as one
/// warning at most every `warningInterval` so a flood does not also flood the log) are `ConnectionGate`'s, shared
/// with the HTTP listener; the MQTT policy is all in `ConnectionLimits`.
public final class ConnectionLimiter: Sendable {
    let gate: ConnectionGate<ConnectionLimits>

    public init(policy: ConnectionLimits.Policy, logger: Logger, warningInterval: Duration = .seconds(10)) {
        gate = ConnectionGate(books: ConnectionLimits(policy: policy), logger: logger, warningInterval: warningInterval)
    }

    public var policy: ConnectionLimits.Policy { gate.withBooks { $0.policy } }

    /// Admits or refuses a new connection. Returns its id, or nil after closing it. Releases the id when the channel
    /// closes, however it closes.
    func admit(_ channel: any Channel) -> UInt64? {
        guard let id = gate.admit(channel) else {
            channel.close(promise: nil)
            return nil
        }
        return id
    }

    /// The connection sent CONNECT (it is no longer idle).
    func connectReceived(_ id: UInt64) {
        gate.withBooks { $0.connectReceived(id) }
    }

    /// The connection became a `provision` session (it may be closed to make room, after idle ones).
    func provisioningStarted(_ id: UInt64) {
        gate.withBooks { $0.provisioningStarted(id) }
    }

    /// The connection authenticated as a device (it leaves the unauthenticated share).
    func authenticated(_ id: UInt64) {
        gate.withBooks { $0.authenticated(id) }
    }

    func release(_ id: UInt64) {
        gate.release(id)
    }

    /// Current counts, for tests and diagnostics.
    public var counts: (total: Int, unauthenticated: Int) {
        gate.withBooks { ($0.total, $0.unauthenticated) }
    }
}

/// The MQTT policy's side of `ConnectionGate`: what it counts as evictions, and how its warning reads.
extension ConnectionLimits: ConnectionBooks {
    /// What the MQTT listener closes to make room.
    public enum Eviction: Hashable, Sendable {
        /// A connection that had not sent CONNECT.
        case idle
        /// A `provision` session.
        case provisioning
    }

    public var evictions: [Eviction: Int] { [.idle: evictedIdle, .provisioning: evictedProvisioning] }

    public func warning(refusals: [Refusal: Int], evictions: [Eviction: Int]) -> String {
        var parts: [String] = []
        if let count = refusals[.tooManyFromAddress] {
            parts.append("\(count) over the per-address limit of \(policy.maximumUnauthenticatedPerAddress) unauthenticated (STEWARD_MQTT_MAX_UNAUTHENTICATED_PER_ADDRESS)")
        }
        if let count = refusals[.tooManyUnauthenticated] {
            parts.append("\(count) over the limit of \(policy.unauthenticatedCeiling) unauthenticated (STEWARD_MQTT_MAX_UNAUTHENTICATED)")
        }
        if let count = refusals[.tooManyConnections] {
            parts.append("\(count) over the limit of \(policy.maximumConnections) connections (STEWARD_MQTT_MAX_CONNECTIONS)")
        }
        if let idle = evictions[.idle] {
            parts.append("\(idle) idle connections that had not sent CONNECT closed to make room")
        }
        if let provisioning = evictions[.provisioning] {
            parts.append("\(provisioning) provisioning sessions closed to make room")
        }
        return "MQTT connection limits reached since the last report: " + parts.joined(separator: "; ")
    }
}
