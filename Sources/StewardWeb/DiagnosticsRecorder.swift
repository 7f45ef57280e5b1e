import StewardStore
import Synchronization

/// Diagnostic records waiting to be written (promise MS-4): a bounded buffer in memory, so a response never waits
/// on the database. When it is full the oldest record is dropped and counted. Successful device-API calls are only
/// counted per day and route, never recorded one by one, so device traffic adds a lock and a dictionary update.
/// The `diagnostics-flush` job writes what is held every few seconds, and shutdown writes the rest.
public final class DiagnosticsRecorder: Sendable {
    struct State {
        /// A ring: `events[(head + i) % capacity]` for `i < count`, oldest first.
        var events: [DiagnosticEvent?]
        var head = 0
        var count = 0
        var days: [DiagnosticDay: DiagnosticDay] = [:]
        var dropped = 0
        /// `dropped` when `newlyDropped()` last reported it.
        var reported = 0
    }

    /// Records (and distinct daily groups) held at most.
    public let capacity: Int
    private let state: Mutex<State>

    public init(capacity: Int = 10_000) {
        precondition(capacity > 0, "A diagnostics buffer needs room for at least one record")
        self.capacity = capacity
        state = Mutex(State(events: Array(repeating: nil, count: capacity)))
    }

    /// Keeps `event` until the next flush; drops the oldest held when the buffer is full.
    public func record(_ event: DiagnosticEvent) {
        state.withLock { state in
            let capacity = state.events.count
            if state.count == capacity {
                state.events[state.head] = event
                state.head = (state.head + 1) % capacity
                state.dropped += 1
            } else {
                state.events[(state.head + state.count) % capacity] = event
                state.count += 1
            }
        }
    }

    /// Adds one call to its day's count. A group beyond `capacity` distinct ones is dropped and counted (a client can
    /// make up app versions; memory must not follow).
    public func count(_ row: DiagnosticDay) {
        state.withLock { state in
            let key = row.emptied
            if state.days[key] != nil {
                state.days[key]!.add(row)
            } else if state.days.count < capacity {
                state.days[key] = row
            } else {
                state.dropped += 1
            }
        }
    }

    /// Records dropped since the start because the buffer was full.
    public var dropped: Int { state.withLock { $0.dropped } }

    /// Records dropped since the last call, for a warning in the log: a full buffer means the database is too slow
    /// or away, or the traffic is more than the buffer was sized for.
    public func newlyDropped() -> Int {
        state.withLock { state in
            defer { state.reported = state.dropped }
            return state.dropped - state.reported
        }
    }

    /// Records and daily groups held now.
    public var held: (events: Int, days: Int) { state.withLock { ($0.count, $0.days.count) } }

    /// Takes everything held, oldest first, leaving the buffer empty.
    public func drain() -> (events: [DiagnosticEvent], days: [DiagnosticDay]) {
        state.withLock { state in
            let capacity = state.events.count
            var events: [DiagnosticEvent] = []
            events.reserveCapacity(state.count)
            for index in 0..<state.count {
                let slot = (state.head + index) % capacity
                if let event = state.events[slot] { events.append(event) }
                state.events[slot] = nil
            }
            state.head = 0
            state.count = 0
            let days = Array(state.days.values)
            state.days = [:]
            return (events, days)
        }
    }

    /// Writes everything held to `store` in one transaction; returns how many records and daily groups it wrote.
    /// When the write fails, what was taken is held again (within the bound) and the error is thrown, so the next
    /// flush retries it.
    @discardableResult
    public func flush(into store: any DiagnosticsStore) async throws -> Int {
        let (events, days) = drain()
        guard !events.isEmpty || !days.isEmpty else { return 0 }
        do {
            try await store.recordDiagnostics(events, days: days)
        } catch {
            restore(events, days)
            throw error
        }
        return events.count + days.count
    }

    /// Puts a failed flush back in front of what arrived since, as far as the bound allows.
    func restore(_ events: [DiagnosticEvent], _ days: [DiagnosticDay]) {
        let (newer, newerDays) = drain()
        for event in events + newer { record(event) }
        for row in days + newerDays { count(row) }
    }
}
