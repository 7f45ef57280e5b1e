import StewardCore
import StewardStore
import Synchronization

/// Fans committed readings and attribute changes out to WebSocket subscriptions.
///
/// It reads the post-commit feed once (`run()`), so a reading reaches a subscriber only after it is durable, and
/// however many sessions listen the commit path pays for one feed subscriber; while nothing is subscribed the hub
/// holds no feed subscription at all, so ingest builds no events for it (the feed's one atomic read). Each event goes to the subscriptions
/// of its device, rendered once per subscription into that session's `LiveOutbox`; an outbox that is full closes
/// its session, so a slow client never slows the fan-out, let alone ingest.
public final class LiveHub: Sendable {
    /// What a subscription wants of its device.
    public enum Filter: Sendable, Equatable {
        /// Readings of these keys (nil: all).
        case timeseries(keys: Set<String>?)
        /// Attributes of this scope (nil: all) and these keys (nil: all).
        case attributes(scope: AttributeScope?, keys: Set<String>?)
    }

    struct Registration {
        let outbox: LiveOutbox
        let subscriptionID: Int
        let filter: Filter
        /// A customer user's subscription: it sees the device only while the device is their customer's.
        var customerLimited = false
    }

    struct State {
        var byDevice: [DeviceID: [Registration]] = [:]
        /// The feed subscription while anything is registered. Taken by the first registration, before it returns,
        /// so nothing committed after a subscription's snapshot is read can be missed.
        var subscription: FeedSubscription?
        /// `run()` waiting for the first registration.
        var waiter: CheckedContinuation<FeedSubscription?, Never>?
        var stopped = false
    }

    private let state = Mutex(State())
    let feed: CommitFeed
    /// Events the hub itself may fall behind by before the feed drops the oldest.
    let feedCapacity: Int

    public init(feed: CommitFeed, feedCapacity: Int = 65_536) {
        self.feed = feed
        self.feedCapacity = feedCapacity
    }

    /// Subscriptions registered now, over all sessions (for tests and diagnostics).
    public var subscriptionCount: Int { state.withLock { $0.byDevice.values.reduce(0) { $0 + $1.count } } }

    /// Starts sending `device`'s changes that match `filter` to `outbox` as `subscriptionID`; a subscription of the
    /// same session and id is replaced, as ThingsBoard replaces a command sent again with the same `cmdId`.
    public func register(_ outbox: LiveOutbox, subscriptionID: Int, device: DeviceID, filter: Filter, customerLimited: Bool = false) {
        let (waiter, subscription) = state.withLock { state -> (CheckedContinuation<FeedSubscription?, Never>?, FeedSubscription?) in
            Self.remove(outbox, subscriptionID: subscriptionID, from: &state)
            state.byDevice[device, default: []].append(
                Registration(outbox: outbox, subscriptionID: subscriptionID, filter: filter, customerLimited: customerLimited))
            guard state.subscription == nil, !state.stopped else { return (nil, nil) }
            let subscription = feed.subscribe(capacity: feedCapacity)
            state.subscription = subscription
            return (state.waiter.take(), subscription)
        }
        waiter?.resume(returning: subscription)
    }

    /// The device moved to another customer (or back to the tenant): every customer user's subscription to it stops
    /// receiving at once, since any move takes the device from the customer it had, and their sessions check their
    /// access at their next tick, which ends the subscription with ThingsBoard's error frame.
    public func accessChanged(device: DeviceID) {
        let stopped = state.withLock { state -> [LiveOutbox] in
            guard let registrations = state.byDevice[device] else { return [] }
            let kept = registrations.filter { !$0.customerLimited }
            state.byDevice[device] = kept.isEmpty ? nil : kept
            Self.releaseFeedIfIdle(&state)
            return registrations.filter(\.customerLimited).map(\.outbox)
        }
        for outbox in stopped { outbox.requestRecheck() }
    }

    /// Stops one subscription of a session.
    public func unregister(_ outbox: LiveOutbox, subscriptionID: Int) {
        state.withLock { state in
            Self.remove(outbox, subscriptionID: subscriptionID, from: &state)
            Self.releaseFeedIfIdle(&state)
        }
    }

    /// Stops every subscription of a session (it closed).
    public func unregisterAll(_ outbox: LiveOutbox) {
        state.withLock { state in
            Self.remove(outbox, subscriptionID: nil, from: &state)
            Self.releaseFeedIfIdle(&state)
        }
    }

    /// Whether the hub holds a feed subscription (for tests).
    public var isFollowingFeed: Bool { state.withLock { $0.subscription != nil } }

    private static func releaseFeedIfIdle(_ state: inout State) {
        guard state.byDevice.isEmpty, let subscription = state.subscription else { return }
        subscription.cancel()
        state.subscription = nil
    }

    private static func remove(_ outbox: LiveOutbox, subscriptionID: Int?, from state: inout State) {
        for (device, registrations) in state.byDevice {
            guard registrations.contains(where: { $0.outbox === outbox && (subscriptionID == nil || $0.subscriptionID == subscriptionID) })
            else { continue }
            let kept = registrations.filter { !($0.outbox === outbox && (subscriptionID == nil || $0.subscriptionID == subscriptionID)) }
            state.byDevice[device] = kept.isEmpty ? nil : kept
        }
    }

    /// Reads the feed while anything is subscribed, until the task is cancelled (graceful shutdown), fanning each
    /// event out.
    public func run() async {
        while !Task.isCancelled, let subscription = await nextSubscription() {
            for await delivery in subscription {
                switch delivery {
                case .event(let event): dispatch(event)
                case .lost: closeEverySession()
                }
            }
        }
        stop()
    }

    /// The feed subscription to read next: the current one, or the next registration's; nil once stopped.
    func nextSubscription() async -> FeedSubscription? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<FeedSubscription?, Never>) in
                let ready = state.withLock { state -> FeedSubscription?? in
                    if state.stopped { return .some(nil) }
                    if let subscription = state.subscription { return .some(subscription) }
                    state.waiter = continuation
                    return .none
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            stop()
        }
    }

    func stop() {
        let waiter = state.withLock { state -> CheckedContinuation<FeedSubscription?, Never>? in
            state.stopped = true
            state.subscription?.cancel()
            state.subscription = nil
            return state.waiter.take()
        }
        waiter?.resume(returning: nil)
    }

    /// Hands one committed event to its device's subscriptions.
    public func dispatch(_ event: CommitEvent) {
        let registrations = state.withLock { $0.byDevice[event.device] ?? [] }
        guard !registrations.isEmpty else { return }
        var overflowed: [LiveOutbox] = []
        for registration in registrations {
            guard let frame = Self.frame(event, for: registration) else { continue }
            if !registration.outbox.send(frame), registration.outbox.isClosing { overflowed.append(registration.outbox) }
        }
        for outbox in overflowed { unregisterAll(outbox) }
    }

    /// The hub fell behind the feed and lost events: no session can be trusted to be complete, so each is closed
    /// with a reason that says to reconnect (its first answers will then be current again).
    func closeEverySession() {
        let outboxes = state.withLock { state -> [LiveOutbox] in
            defer {
                state.byDevice = [:]
                Self.releaseFeedIfIdle(&state)
            }
            return state.byDevice.values.flatMap { $0.map(\.outbox) }
        }
        for outbox in outboxes { outbox.close(code: 1013, reason: "The server fell behind and missed updates; reconnect to resubscribe") }
    }

    /// The update frame an event makes for one subscription, or nil when none of it matches.
    static func frame(_ event: CommitEvent, for registration: Registration) -> String? {
        switch (event, registration.filter) {
        case (.telemetry(let telemetry), .timeseries(let keys)):
            var series: [String: [(ts: Int64, value: KVValue)]] = [:]
            var order: [String] = []
            for reading in telemetry.readings {
                for value in reading.values where keys == nil || keys!.contains(value.key) {
                    if series[value.key] == nil { order.append(value.key) }
                    series[value.key, default: []].append((reading.ts, value.value))
                }
            }
            guard !order.isEmpty else { return nil }
            return LiveFrames.update(subscriptionID: registration.subscriptionID, series: order.map { ($0, series[$0]!) })
        case (.attributes(let change), .attributes(let scope, let keys)):
            guard scope == nil || scope == change.scope, case .saved(let values) = change.change else { return nil }
            let matching = values.filter { keys == nil || keys!.contains($0.key) }
            guard !matching.isEmpty else { return nil }
            return LiveFrames.update(
                subscriptionID: registration.subscriptionID, series: matching.map { ($0.key, [(change.ts, $0.value)]) })
        default:
            return nil
        }
    }
}
