import Synchronization

/// One session's outbound queue: frames wait here until the transport writes them to the socket.
///
/// It holds at most `capacity` frames (ThingsBoard's `max_queue_messages_per_session`, 1,000). A client that reads
/// so slowly that the queue fills is cut off (the session closes, 1008) rather than waited for: nothing that fills
/// the queue (the feed's fan-out, and so ingest) ever blocks on a socket.
public final class LiveOutbox: AsyncSequence, Sendable {
    /// What the transport does next.
    public enum Item: Sendable, Equatable {
        case frame(String)
        case close(code: UInt16, reason: String)
    }

    public typealias Element = Item
    public typealias Failure = Never

    private struct State {
        var frames: [String] = []
        var head = 0
        var closing: Item?
        var finished = false
        var waiter: CheckedContinuation<Item?, Never>?
        var recheckRequested = false

        var count: Int { frames.count - head }
    }

    public static let defaultCapacity = 1_000
    public let capacity: Int
    private let state = Mutex(State())

    public init(capacity: Int = defaultCapacity) {
        self.capacity = capacity
    }

    /// Queues a frame; false when the session is closing or was just cut off because its queue was full.
    @discardableResult
    public func send(_ frame: String) -> Bool {
        let (accepted, waiter, item) = state.withLock { state -> (Bool, CheckedContinuation<Item?, Never>?, Item?) in
            guard state.closing == nil, !state.finished else { return (false, nil, nil) }
            if state.count >= capacity {
                state.frames = []
                state.head = 0
                state.closing = .close(code: 1008, reason: "Too many queued messages (\(capacity)): the client reads too slowly")
                // A full queue means nobody waits: the close is taken by the next read.
                return (false, nil, nil)
            }
            state.frames.append(frame)
            guard let waiter = state.waiter.take() else { return (true, nil, nil) }
            return (true, waiter, Self.take(&state))
        }
        waiter?.resume(returning: item)
        return accepted
    }

    /// Closes after the frames already queued.
    public func close(code: UInt16, reason: String) {
        let (waiter, item) = state.withLock { state -> (CheckedContinuation<Item?, Never>?, Item?) in
            guard state.closing == nil, !state.finished else { return (nil, nil) }
            state.closing = .close(code: code, reason: reason)
            guard let waiter = state.waiter.take() else { return (nil, nil) }
            return (waiter, Self.take(&state))
        }
        waiter?.resume(returning: item)
    }

    /// Asks the session to check its subscriptions' access at its next tick (`LiveHub.accessChanged`).
    public func requestRecheck() {
        state.withLock { $0.recheckRequested = true }
    }

    /// Whether a recheck was asked for since the last call.
    public func takeRecheckRequest() -> Bool {
        state.withLock { state in
            defer { state.recheckRequested = false }
            return state.recheckRequested
        }
    }

    /// Whether the session is closing (cut off, or closed by the protocol).
    public var isClosing: Bool { state.withLock { $0.closing != nil || $0.finished } }

    /// Frames waiting to be written.
    public var backlog: Int { state.withLock { $0.count } }

    /// Ends the sequence (the socket is gone): later frames are dropped.
    public func finish() {
        let waiter = state.withLock { state -> CheckedContinuation<Item?, Never>? in
            state.finished = true
            state.frames = []
            state.head = 0
            return state.waiter.take()
        }
        waiter?.resume(returning: nil)
    }

    private static func take(_ state: inout State) -> Item? {
        if state.count > 0 {
            let frame = state.frames[state.head]
            state.head += 1
            if state.head > 64, state.head * 2 > state.frames.count {
                state.frames.removeFirst(state.head)
                state.head = 0
            }
            return .frame(frame)
        }
        if let closing = state.closing {
            state.finished = true
            state.closing = nil
            return closing
        }
        return nil
    }

    func next() async -> Item? {
        await withCheckedContinuation { (continuation: CheckedContinuation<Item?, Never>) in
            let ready = state.withLock { state -> Item?? in
                if state.finished, state.closing == nil { return .some(nil) }
                if let item = Self.take(&state) { return .some(item) }
                if state.finished { return .some(nil) }
                precondition(state.waiter == nil, "An outbox is drained by one task")
                state.waiter = continuation
                return .none
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    public func makeAsyncIterator() -> Iterator { Iterator(outbox: self) }

    public struct Iterator: AsyncIteratorProtocol {
        let outbox: LiveOutbox
        public mutating func next() async -> Item? { await outbox.next() }
        public mutating func next(isolation actor: isolated (any Actor)?) async -> Item? { await outbox.next() }
    }
}
