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
/// trip, so that connection is almost certainly idle, and a flood of idle sockets cannot keep devices out.
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
        /// The unauthenticated share is taken by connections that are past CONNECT (authenticating or provisioning).
        case tooManyUnauthenticated
        /// This address already holds its share of unauthenticated connections.
        case tooManyFromAddress
    }

    /// The answer to a new connection.
    public enum Admission: Sendable, Equatable {
        /// Serve it under `id`; close the connection `evicting` first when set (it was idle and made room).
        case admitted(id: UInt64, evicting: UInt64?)
        case refused(Refusal)
    }

    enum Stage: Equatable {
        case awaitingConnect
        case unauthenticated
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
    /// Ids still awaiting CONNECT in admission order (oldest first); may hold ids that moved on, skipped lazily.
    private var awaitingOrder = CircularBuffer<UInt64>()
    private var awaitingCount = 0
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
            // Closing one idle connection frees one slot of each count; only worth it if one slot is enough.
            guard total <= policy.maximumConnections, unauthenticated <= policy.unauthenticatedCeiling,
                let oldest = oldestAwaitingConnect()
            else { return .refused(refusal) }
            release(oldest)
            evicted = oldest
        }
        let id = nextID
        nextID += 1
        entries[id] = Entry(address: address, stage: .awaitingConnect)
        unauthenticated += 1
        unauthenticatedByAddress[address, default: 0] += 1
        awaitingOrder.append(id)
        awaitingCount += 1
        return .admitted(id: id, evicting: evicted)
    }

    /// The connection sent CONNECT: it is no longer idle, so it is no longer closed to make room.
    public mutating func connectReceived(_ id: UInt64) {
        guard entries[id]?.stage == .awaitingConnect else { return }
        entries[id]!.stage = .unauthenticated
        awaitingCount -= 1
        compactIfSparse()
    }

    /// The connection authenticated as a device: it leaves the unauthenticated share.
    public mutating func authenticated(_ id: UInt64) {
        guard let entry = entries[id], entry.stage != .authenticated else { return }
        if entry.stage == .awaitingConnect { awaitingCount -= 1 }
        entries[id]!.stage = .authenticated
        forgetUnauthenticated(entry.address)
        compactIfSparse()
    }

    /// The connection closed (or was evicted). Unknown ids are ignored, so releasing twice is harmless.
    public mutating func release(_ id: UInt64) {
        guard let entry = entries.removeValue(forKey: id) else { return }
        switch entry.stage {
        case .awaitingConnect:
            awaitingCount -= 1
            forgetUnauthenticated(entry.address)
        case .unauthenticated:
            forgetUnauthenticated(entry.address)
        case .authenticated:
            break
        }
        compactIfSparse()
    }

    private mutating func forgetUnauthenticated(_ address: String) {
        unauthenticated -= 1
        let left = (unauthenticatedByAddress[address] ?? 1) - 1
        unauthenticatedByAddress[address] = left > 0 ? left : nil
    }

    private mutating func oldestAwaitingConnect() -> UInt64? {
        while let first = awaitingOrder.first {
            if entries[first]?.stage == .awaitingConnect { return first }
            awaitingOrder.removeFirst()
        }
        return nil
    }

    /// Drops ids that moved on once they outnumber the live ones, so the queue stays proportional to the idle
    /// connections rather than to every connection made while one idle socket waited.
    private mutating func compactIfSparse() {
        guard awaitingOrder.count > 64, awaitingOrder.count > 2 * awaitingCount else { return }
        let entries = self.entries
        awaitingOrder = CircularBuffer(awaitingOrder.filter { entries[$0]?.stage == .awaitingConnect })
    }

    /// The key unauthenticated connections are counted under: the IPv4 address, or the /64 prefix of an IPv6 address
    /// (one subscriber usually holds a whole /64). IPv4-mapped IPv6 addresses count as their IPv4 address.
    public static func addressKey(_ address: SocketAddress?) -> String {
        guard let address else { return "unknown" }
        switch address {
        case .v6(let v6):
            // sockaddr_in6 keeps the 16 address bytes at offset 8 on Linux and the BSDs alike (RFC 3493).
            let bytes = withUnsafeBytes(of: v6.address) { Array($0[8..<24]) }
            let mapped = bytes[0..<10].allSatisfy { $0 == 0 } && bytes[10] == 0xFF && bytes[11] == 0xFF
            if mapped { return bytes[12..<16].map { String($0) }.joined(separator: ".") }
            let groups = stride(from: 0, to: 8, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }
            return groups.joined(separator: ":") + "::/64"
        default:
            return address.ipAddress ?? "unknown"
        }
    }
}
