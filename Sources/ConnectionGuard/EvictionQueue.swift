import NIOCore

/// Ids of connections that may be closed to make room, oldest first.
///
/// Connections leave the evictable state (they speak, authenticate, close) far more often than they are evicted,
/// so an id is not searched for when it leaves: the owner lowers `live`, and ids that moved on are skipped when the
/// oldest is asked for, or dropped in one pass once they outnumber the live ones.
public struct EvictionQueue: Sendable {
    private var order = CircularBuffer<UInt64>()
    /// How many ids in the queue are still evictable.
    public private(set) var live = 0

    public init() {}

    /// `id` became evictable (it is the newest).
    public mutating func append(_ id: UInt64) {
        order.append(id)
        live += 1
    }

    /// One id in the queue stopped being evictable.
    public mutating func left() {
        live -= 1
    }

    /// The oldest id that is still evictable (per `isLive`), dropping older ones that are not.
    public mutating func oldest(where isLive: (UInt64) -> Bool) -> UInt64? {
        while let first = order.first {
            if isLive(first) { return first }
            order.removeFirst()
        }
        return nil
    }

    /// Drops ids that moved on once they outnumber the live ones, so the queue stays proportional to the evictable
    /// connections rather than to every connection made while one of them waited.
    public mutating func compactIfSparse(where isLive: (UInt64) -> Bool) {
        guard order.count > 64, order.count > 2 * live else { return }
        order = CircularBuffer(order.filter(isLive))
    }

    /// Every id in the queue, oldest first, live or not (for tests).
    public var ids: [UInt64] { Array(order) }
}
