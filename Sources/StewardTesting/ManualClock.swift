import Synchronization
import Testing

/// A clock that moves only when a test advances it, so scheduling is tested without waiting for real time.
public final class ManualClock: Clock, Sendable {
    public init() {}

    public struct Instant: InstantProtocol {
        public var offset: Duration

        public init(offset: Duration) { self.offset = offset }

        public func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        public func duration(to other: Instant) -> Duration { other.offset - offset }
        public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
    }

    private struct Sleeper {
        var deadline: Instant
        var continuation: CheckedContinuation<Void, any Error>?
        var cancelled = false
    }

    private struct State {
        var now = Instant(offset: .zero)
        var sleepers: [Int: Sleeper] = [:]
        var nextID = 0
    }

    private let state = Mutex(State())

    public var now: Instant { state.withLock { $0.now } }
    public var minimumResolution: Duration { .zero }

    /// Deadlines of the sleeps in progress, earliest first.
    public var deadlines: [Duration] {
        state.withLock { $0.sleepers.values.filter { $0.continuation != nil }.map(\.deadline.offset).sorted() }
    }

    public func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        let id = state.withLock { state in
            defer { state.nextID += 1 }
            state.sleepers[state.nextID] = Sleeper(deadline: deadline)
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome = state.withLock { state -> Result<Void, any Error>? in
                    if state.sleepers[id]?.cancelled == true {
                        state.sleepers[id] = nil
                        return .failure(CancellationError())
                    }
                    if deadline <= state.now {
                        state.sleepers[id] = nil
                        return .success(())
                    }
                    state.sleepers[id]?.continuation = continuation
                    return nil
                }
                if let outcome { continuation.resume(with: outcome) }
            }
        } onCancel: {
            let continuation = state.withLock { state -> CheckedContinuation<Void, any Error>? in
                guard let sleeper = state.sleepers[id] else { return nil }
                if let continuation = sleeper.continuation {
                    state.sleepers[id] = nil
                    return continuation
                }
                state.sleepers[id]?.cancelled = true
                return nil
            }
            continuation?.resume(throwing: CancellationError())
        }
    }

    /// Moves time on and wakes every sleep whose deadline has come.
    public func advance(by duration: Duration) {
        let due = state.withLock { state -> [CheckedContinuation<Void, any Error>] in
            state.now = state.now.advanced(by: duration)
            let now = state.now
            let due = state.sleepers.filter { $0.value.continuation != nil && $0.value.deadline <= now }
            for id in due.keys { state.sleepers[id] = nil }
            return due.values.compactMap(\.continuation)
        }
        for continuation in due { continuation.resume() }
    }

    /// Waits (in real time, bounded) until `count` sleeps are in progress, i.e. the code under test has reached
    /// its pause; so a test never advances the clock before the sleep it means to end has started.
    public func waitForSleepers(_ count: Int, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        try await eventually("\(count) sleeper(s)", sourceLocation: sourceLocation) { self.deadlines.count == count }
    }
}

/// Polls `condition` until it holds; records an issue if it still does not after a generous bound (a loaded CI
/// machine may starve the code under test for seconds). The bound only keeps a broken test from hanging; no
/// assertion depends on how long anything took.
public func eventually(
    _ what: String, sourceLocation: SourceLocation = #_sourceLocation, _ condition: () -> Bool
) async throws {
    let deadline = ContinuousClock.now + .seconds(120)
    while ContinuousClock.now < deadline {
        if condition() { return }
        try await Task.sleep(for: .milliseconds(1))
    }
    Issue.record("Timed out waiting for \(what)", sourceLocation: sourceLocation)
    throw CancellationError()
}
