import Logging
import NIOCore
import Synchronization

/// Applies a listener's `ConnectionBooks` to its channels, across event loops.
///
/// The MQTT and the HTTP listener share these mechanics and differ only in their books: the address key, one lock
/// around the books, a closer per admitted connection (so an evicted one can be closed from any event loop), the
/// release when a channel closes however it closes, and refusals and evictions reported as one warning at most every
/// `warningInterval`, with the counts since the last one, so a flood does not also flood the log.
public final class ConnectionGate<Books: ConnectionBooks>: Sendable {
    struct State {
        var books: Books
        /// How to close each admitted connection, for evictions.
        var closers: [UInt64: @Sendable () -> Void] = [:]
        var refusals: [Books.Refusal: Int] = [:]
        /// `books.evictions` when the last warning was written.
        var reportedEvictions: [Books.EvictionKind: Int] = [:]
        var lastWarning: ContinuousClock.Instant?
    }

    private let state: Mutex<State>
    let logger: Logger
    let warningInterval: Duration

    public init(books: Books, logger: Logger, warningInterval: Duration) {
        state = Mutex(State(books: books))
        self.logger = logger
        self.warningInterval = warningInterval
    }

    /// Admits or refuses a new channel: its id, or nil when it is refused (the caller decides how to turn it away).
    /// An admitted channel's id is released when it closes.
    public func admit(_ channel: any Channel, now: ContinuousClock.Instant = .now) -> UInt64? {
        let address = AddressKey.of(channel.remoteAddress)
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
        // Outside the lock: closing may run the evicted channel's close callbacks, which release under the lock.
        evictedCloser?()
        if let warning { logger.warning("\(warning)") }
        guard case .admitted(let id, _) = admission else { return nil }
        channel.closeFuture.whenComplete { _ in self.release(id) }
        return id
    }

    /// Forgets `id` (its channel closed); harmless for an id already released or evicted.
    public func release(_ id: UInt64) {
        state.withLock { state in
            state.books.release(id)
            state.closers[id] = nil
        }
    }

    /// Reads or updates the books under the lock (a connection moved on in the listener's own policy).
    public func withBooks<Result: Sendable>(_ body: (inout Books) -> Result) -> Result {
        state.withLock { body(&$0.books) }
    }

    /// The warning to log now, if there is something to report and the last one is old enough; resets the counts.
    private static func takeWarning(_ state: inout State, now: ContinuousClock.Instant, interval: Duration) -> String? {
        var evictions: [Books.EvictionKind: Int] = [:]
        for (kind, count) in state.books.evictions where count > state.reportedEvictions[kind] ?? 0 {
            evictions[kind] = count - (state.reportedEvictions[kind] ?? 0)
        }
        guard !state.refusals.isEmpty || !evictions.isEmpty else { return nil }
        if let last = state.lastWarning, now - last < interval { return nil }
        state.lastWarning = now
        let warning = state.books.warning(refusals: state.refusals, evictions: evictions)
        state.refusals = [:]
        state.reportedEvictions = state.books.evictions
        return warning
    }
}
