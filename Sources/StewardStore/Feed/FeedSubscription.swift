import StewardCore
import Synchronization

/// One subscriber's view of the `CommitFeed`: an asynchronous sequence of committed events in the order they were
/// published. Telemetry arrives in commit order (one writer thread publishes it); an attribute change is published
/// by the call that stored it, so two changes stored at the same moment by different callers may arrive either way.
///
/// Iterate it from a single task at a time. The sequence ends when the subscription is cancelled or the task
/// iterating it is cancelled; dropping the subscription (and its iterator) unsubscribes too.
public final class FeedSubscription: AsyncSequence, Sendable {
    /// What a subscriber receives.
    public enum Delivery: Sendable, Equatable {
        /// A committed event.
        case event(CommitEvent)
        /// This many events, older than the next one delivered, were dropped because the buffer was full.
        case lost(Int)
    }

    public typealias Element = Delivery
    public typealias Failure = Never

    let inbox: FeedInbox
    private let feed: CommitFeed

    init(inbox: FeedInbox, feed: CommitFeed) {
        self.inbox = inbox
        self.feed = feed
    }

    deinit { cancel() }

    /// Stops the subscription: nothing more is buffered and a waiting iteration ends.
    public func cancel() {
        inbox.finish()
        feed.remove(inbox)
    }

    /// Events lost so far to a full buffer (delivered or not yet delivered as `.lost`).
    public var lostEvents: Int { inbox.totalLost }

    /// Events waiting to be read: how far behind this subscriber is.
    public var backlog: Int { inbox.backlog }

    /// The next delivery, waiting for one; nil once the subscription has ended. Cancelling the waiting task
    /// ends the subscription.
    func next() async -> Delivery? {
        await withTaskCancellationHandler {
            await inbox.next()
        } onCancel: {
            cancel()
        }
    }

    public func makeAsyncIterator() -> Iterator { Iterator(subscription: self) }

    public struct Iterator: AsyncIteratorProtocol {
        /// Holding the subscription keeps it alive while someone iterates it.
        let subscription: FeedSubscription

        public mutating func next() async -> Delivery? {
            await subscription.next()
        }

        public mutating func next(isolation actor: isolated (any Actor)?) async -> Delivery? {
            await subscription.next()
        }
    }
}

/// The buffer behind one subscription, shared by the feed (which fills it) and the subscriber (which drains it).
final class FeedInbox: Sendable {
    private struct State {
        var buffer: BoundedQueue<CommitEvent>
        /// Dropped since the last `.lost` delivery.
        var lost = 0
        var totalLost = 0
        var finished = false
        var waiter: CheckedContinuation<FeedSubscription.Delivery?, Never>?
    }

    let tenant: TenantID?
    private let state: Mutex<State>

    init(tenant: TenantID?, capacity: Int) {
        self.tenant = tenant
        state = Mutex(State(buffer: BoundedQueue(capacity: capacity)))
    }

    var totalLost: Int { state.withLock { $0.totalLost } }
    var backlog: Int { state.withLock { $0.buffer.count } }
    /// Whether the subscriber is suspended waiting for an event (for tests).
    var hasWaiter: Bool { state.withLock { $0.waiter != nil } }

    func deliver(_ events: some Collection<CommitEvent>) {
        let (waiter, delivery) = state.withLock { state -> (CheckedContinuation<FeedSubscription.Delivery?, Never>?, FeedSubscription.Delivery?) in
            guard !state.finished else { return (nil, nil) }
            for event in events where tenant == nil || event.tenant == tenant {
                if state.buffer.append(event) {
                    state.lost += 1
                    state.totalLost += 1
                }
            }
            guard let waiter = state.waiter, let delivery = Self.take(&state) else { return (nil, nil) }
            state.waiter = nil
            return (waiter, delivery)
        }
        // Resumed outside the lock: the subscriber runs on its own executor, never on the publisher's thread.
        waiter?.resume(returning: delivery)
    }

    func finish() {
        let waiter = state.withLock { state -> CheckedContinuation<FeedSubscription.Delivery?, Never>? in
            state.finished = true
            state.buffer.removeAll()
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: nil)
    }

    func next() async -> FeedSubscription.Delivery? {
        await withCheckedContinuation { (continuation: CheckedContinuation<FeedSubscription.Delivery?, Never>) in
            let ready = state.withLock { state -> FeedSubscription.Delivery?? in
                if let delivery = Self.take(&state) { return .some(delivery) }
                if state.finished { return .some(nil) }
                precondition(state.waiter == nil, "A feed subscription is iterated from one task at a time")
                state.waiter = continuation
                return .none
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    /// The next delivery: first how many were lost, then the oldest buffered event.
    private static func take(_ state: inout State) -> FeedSubscription.Delivery? {
        if state.lost > 0 {
            defer { state.lost = 0 }
            return .lost(state.lost)
        }
        return state.buffer.popFirst().map { .event($0) }
    }
}
