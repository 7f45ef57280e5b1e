import StewardCore
import Synchronization

/// The post-commit feed: everything the telemetry writer commits, and every attribute change, told to
/// subscribers once it is durable and never before.
///
/// Publishing never waits for a subscriber. Each subscription has a bounded buffer; a subscriber that falls
/// behind loses the oldest events and is told how many (`FeedSubscription.Delivery.lost`) before the next one it
/// receives, so it can resynchronise from the store. Cutting it off instead would force every live view to
/// resubscribe and re-read anyway, and keeping everything would let one stuck consumer exhaust memory.
public final class CommitFeed: Sendable {
    private struct State {
        var inboxes: [FeedInbox] = []
    }

    private let state = Mutex(State())
    /// Read without the lock by `hasSubscribers`, so the commit path pays one atomic load when nobody listens.
    private let subscriberCount = Atomic<Int>(0)

    public init() {}

    /// Whether anyone listens. Publishers check it first, so an idle feed allocates nothing.
    public var hasSubscribers: Bool { subscriberCount.load(ordering: .relaxed) > 0 }

    /// Starts receiving events committed from now on.
    ///
    /// - Parameters:
    ///   - tenant: only this tenant's events; nil for all (for services that serve every tenant).
    ///   - capacity: events kept for a subscriber that has not read them yet; beyond, the oldest are dropped.
    /// - Returns: the subscription; iterate it from one task. Dropping it (or `cancel()`) unsubscribes.
    public func subscribe(tenant: TenantID? = nil, capacity: Int = 1024) -> FeedSubscription {
        let inbox = FeedInbox(tenant: tenant, capacity: capacity)
        state.withLock { state in
            state.inboxes.append(inbox)
            subscriberCount.store(state.inboxes.count, ordering: .relaxed)
        }
        return FeedSubscription(inbox: inbox, feed: self)
    }

    /// Hands one event to every subscriber, without waiting for any of them.
    public func publish(_ event: CommitEvent) {
        publish(CollectionOfOne(event))
    }

    /// Hands `events`, in order, to every subscriber, without waiting for any of them.
    public func publish(_ events: some Collection<CommitEvent>) {
        guard !events.isEmpty, hasSubscribers else { return }
        let inboxes = state.withLock { $0.inboxes }
        for inbox in inboxes { inbox.deliver(events) }
    }

    func remove(_ inbox: FeedInbox) {
        state.withLock { state in
            state.inboxes.removeAll { $0 === inbox }
            subscriberCount.store(state.inboxes.count, ordering: .relaxed)
        }
    }
}
