// Re-exported: `Admission` is ConnectionGuard's generic enum, and with member import visibility its cases are only
// usable where that module is imported; users of these books (the tests) should not need to know where it lives.
import ConnectionGuard
import NIOCore

/// The bookkeeping behind the MQTT connection limits, as a plain value (no sockets, no locks) so every rule can be
/// tested on its own. `ConnectionLimiter` wraps it for the listener.
///
/// Why these rules: a connection costs a file descriptor and memory before it has proved anything. Without limits
/// about a thousand sockets that never send CONNECT, or `provision` sessions with keep-alive 0, used up the
/// descriptors and locked every device out. So connections that have not authenticated (still waiting for
/// CONNECT, authenticating, or provisioning) are counted, in total and per client address, and may use only part
/// of the connection budget; the rest is reserved for authenticated devices. When the budget is full, the oldest
/// connection that has still not sent CONNECT is closed to make room: a real device sends CONNECT within one round
/// trip, so that connection is almost certainly idle, and a flood of idle sockets cannot keep devices out. If no
/// such connection is left, the oldest `provision` session is closed instead: provisioning never authenticates, so
/// otherwise a few addresses re-opening `provision` sessions could hold the whole share and refuse every device.
/// Only connections that are authenticating (CONNECT sent, token being checked) are never closed to make room.
public struct ConnectionLimits: Sendable {
    /// The configured limits.
    public struct Policy: Sendable, Equatable {
        /// Connections of every kind at once.
        public var maximumConnections: Int
        /// Connections that have not authenticated yet (awaiting CONNECT, authenticating, provisioning) at once.
        public var maximumUnauthenticated: Int
        /// Unauthenticated connections from one client address (one IPv4 address, or one IPv6 /64) at once.
        public var maximumUnauthenticatedPerAddress: Int

        public init(maximumConnections: Int, maximumUnauthenticated: Int, maximumUnauthenticatedPerAddress: Int) {
            self.maximumConnections = maximumConnections
            self.maximumUnauthenticated = maximumUnauthenticated
            self.maximumUnauthenticatedPerAddress = maximumUnauthenticatedPerAddress
        }

        /// Connections only authenticated devices may use: a tenth of the total, at least one.
        public var reserve: Int { max(1, maximumConnections / 10) }

        /// How many unauthenticated connections may exist at once: the configured maximum, but never more than the
        /// total minus the reserve.
        public var unauthenticatedCeiling: Int { max(0, min(maximumUnauthenticated, maximumConnections - reserve)) }
    }

    /// Why a new connection was refused.
    public enum Refusal: Sendable, Equatable, Hashable, CaseIterable {
        /// Every connection slot is taken and no idle connection could be closed to make room.
        case tooManyConnections
        /// The unauthenticated share is taken by connections that are authenticating (past CONNECT, token being
        /// checked); nothing idle or provisioning was left to close.
        case tooManyUnauthenticated
        /// This address already holds its share of unauthenticated connections.
        case tooManyFromAddress
    }

    /// The answer to a new connection: serve it under `id` (closing `evicting` first when set: it was idle, or
    /// provisioning, and made room), or refuse it.
    public typealias Admission = ConnectionAdmission<Refusal>

    enum Stage: Equatable {
        case awaitingConnect
        /// CONNECT received, credentials being checked.
        case unauthenticated
        /// A `provision` session: it stays unauthenticated until it ends.
        case provisioning
        case authenticated
    }

    struct Entry {
        var address: String
        var stage: Stage
    }

    public let policy: Policy
    private(set) var entries: [UInt64: Entry] = [:]
    /// Connections that have not authenticated, in total and per address key.
    public private(set) var unauthenticated = 0
    private(set) var unauthenticatedByAddress: [String: Int] = [:]
    /// Connections still awaiting CONNECT, closed first to make room.
    private var awaiting = EvictionQueue()
    /// `provision` sessions, closed to make room when no connection awaits CONNECT.
    private var provisioning = EvictionQueue()
    /// Connections closed to make room so far: idle ones (no CONNECT yet) and provisioning sessions.
    public private(set) var evictedIdle = 0
    public private(set) var evictedProvisioning = 0
    private var nextID: UInt64 = 1

    public init(policy: Policy) {
        self.policy = policy
    }

    /// All connections currently counted.
    public var total: Int { entries.count }

    /// Unauthenticated connections counted for `address` (an address key, see `addressKey(_:)`).
    public func unauthenticated(from address: String) -> Int { unauthenticatedByAddress[address] ?? 0 }

    /// Decides about a new connection from `address` (an address key), before anything is read from it.
    public mutating func admit(address: String) -> Admission {
        if unauthenticated(from: address) >= policy.maximumUnauthenticatedPerAddress {
            return .refused(.tooManyFromAddress)
        }
        var evicted: UInt64?
        if total >= policy.maximumConnections || unauthenticated >= policy.unauthenticatedCeiling {
            let refusal: Refusal = total >= policy.maximumConnections ? .tooManyConnections : .tooManyUnauthenticated
            // Closing one idle or provisioning connection frees one slot of each count; only worth it if one slot is
            // enough.
            guard total <= policy.maximumConnections, unauthenticated <= policy.unauthenticatedCeiling else {
                return .refused(refusal)
            }
            let entries = self.entries
            if let oldest = awaiting.oldest(where: { entries[$0]?.stage == .awaitingConnect }) {
                evictedIdle += 1
                evicted = oldest
            } else if let oldest = provisioning.oldest(where: { entries[$0]?.stage == .provisioning }) {
                evictedProvisioning += 1
                evicted = oldest
            } else {
                return .refused(refusal)
            }
            release(evicted!)
        }
        let id = nextID
        nextID += 1
        entries[id] = Entry(address: address, stage: .awaitingConnect)
        unauthenticated += 1
        unauthenticatedByAddress[address, default: 0] += 1
        awaiting.append(id)
        return .admitted(id: id, evicting: evicted)
    }

    /// The connection sent CONNECT: it is no longer idle, so it is not closed to make room while it authenticates.
    public mutating func connectReceived(_ id: UInt64) {
        guard entries[id]?.stage == .awaitingConnect else { return }
        move(id, to: .unauthenticated)
    }

    /// The connection became a `provision` session: it stays in the unauthenticated share, and may be closed to make
    /// room (after every connection still awaiting CONNECT), oldest first.
    public mutating func provisioningStarted(_ id: UInt64) {
        guard let stage = entries[id]?.stage, stage == .awaitingConnect || stage == .unauthenticated else { return }
        move(id, to: .provisioning)
        provisioning.append(id)
    }

    /// The connection authenticated as a device: it leaves the unauthenticated share.
    public mutating func authenticated(_ id: UInt64) {
        guard let entry = entries[id], entry.stage != .authenticated else { return }
        move(id, to: .authenticated)
        forgetUnauthenticated(entry.address)
    }

    /// Moves a counted connection to `stage`, keeping the eviction queues' live counts.
    private mutating func move(_ id: UInt64, to stage: Stage) {
        leaveQueue(entries[id]!.stage)
        entries[id]!.stage = stage
        compactIfSparse()
    }

    private mutating func leaveQueue(_ stage: Stage) {
        switch stage {
        case .awaitingConnect: awaiting.left()
        case .provisioning: provisioning.left()
        case .unauthenticated, .authenticated: break
        }
    }

    /// The connection closed (or was evicted). Unknown ids are ignored, so releasing twice is harmless.
    public mutating func release(_ id: UInt64) {
        guard let entry = entries.removeValue(forKey: id) else { return }
        leaveQueue(entry.stage)
        if entry.stage != .authenticated { forgetUnauthenticated(entry.address) }
        compactIfSparse()
    }

    private mutating func forgetUnauthenticated(_ address: String) {
        unauthenticated -= 1
        let left = (unauthenticatedByAddress[address] ?? 1) - 1
        unauthenticatedByAddress[address] = left > 0 ? left : nil
    }

    private mutating func compactIfSparse() {
        let entries = self.entries
        awaiting.compactIfSparse(where: { entries[$0]?.stage == .awaitingConnect })
        provisioning.compactIfSparse(where: { entries[$0]?.stage == .provisioning })
    }

    /// The key unauthenticated connections are counted under (see `AddressKey`: an IPv4 address, or an IPv6 /64).
    public static func addressKey(_ address: SocketAddress?) -> String { AddressKey.of(address) }
}
