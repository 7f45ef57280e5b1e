import Foundation
import StewardCore
import Synchronization

/// Group commit for telemetry: readings from every connection queue here, and one writer thread commits
/// whatever has gathered in a single transaction, then tells each submitter its data is durable.
///
/// While one transaction is being committed (and fsynced) the next group fills up, so the cost of a durable
/// commit is shared by all readings that arrived meanwhile: throughput grows with load instead of being bounded
/// by fsync latency.
///
/// After a group commits and its completions have run, the writer hands the committed batches to `feed`; a
/// failed commit publishes nothing, and no subscriber can delay an acknowledgement.
///
/// A store whose commit blocks its thread (SQLite, one writer anyway) gets one writer thread. A store on a database
/// server (PostgreSQL) gets `lanes` of them, each committing its own group on its own connection: the server commits
/// several transactions at once, so the next group need not wait for the previous one's round trips. Readings of one
/// connection may then commit out of order; MQTT releases PUBACKs in PUBLISH order regardless, and the latest value
/// keeps the newest timestamp whichever commit lands last. A barrier (`flush`) completes only after every group taken
/// before it has committed.
public final class TelemetryWriter: Sendable {
    public typealias Completion = @Sendable (Result<Void, any Error>) -> Void

    struct Pending {
        var batch: TelemetryBatch
        var completion: Completion
    }

    struct State {
        var pending: [Pending] = []
        var stopped = false
        /// Groups being committed, by the order they were taken in (a barrier waits for the older ones).
        var active: Set<Int> = []
        var nextGroup = 0
        /// Readings committed since start, for the log and benchmarks.
        var committedBatches = 0
        var commits = 0
    }

    private let store: any TelemetryStore
    /// The same store when its commit blocks anyway (see `BlockingTelemetryAppend`), found once at start.
    private let blockingStore: (any BlockingTelemetryAppend)?
    private let state = Mutex(State())
    private let wakeUp = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    /// Upper bound of batches per transaction, so one huge group cannot stall the others for long.
    private let maximumGroupSize: Int
    /// Told about every commit and every failure for lack of space (health, the error log).
    private let storage: StorageStatus?
    /// Told about every committed batch that names its tenant, after the commit.
    public let feed: CommitFeed

    /// Writer threads still running (shutdown waits for each).
    private let laneCount: Int

    /// `lanes`: writer threads for a store on a database server (ignored for a blocking store, which gets one).
    public init(
        store: any TelemetryStore, maximumGroupSize: Int = 4096, storage: StorageStatus? = nil, feed: CommitFeed = CommitFeed(),
        lanes: Int = 4
    ) {
        self.store = store
        blockingStore = store as? any BlockingTelemetryAppend
        self.maximumGroupSize = maximumGroupSize
        self.storage = storage
        self.feed = feed
        laneCount = blockingStore == nil ? max(1, lanes) : 1
        for lane in 0..<laneCount {
            let thread = Thread { [self] in self.run() }
            thread.name = laneCount == 1 ? "steward-telemetry-writer" : "steward-telemetry-writer-\(lane)"
            thread.start()
        }
    }

    /// Queues a batch; `completion` runs on the writer thread once the batch is committed or has failed.
    public func submit(_ batch: TelemetryBatch, completion: @escaping Completion) {
        let accepted = state.withLock { state -> Bool in
            guard !state.stopped else { return false }
            state.pending.append(Pending(batch: batch, completion: completion))
            return true
        }
        if accepted {
            wakeUp.signal()
        } else {
            completion(.failure(StewardError(.unavailable, "The server is shutting down; the reading was not stored")))
        }
    }

    /// Queues a batch and waits until it is durable.
    public func write(_ batch: TelemetryBatch) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            submit(batch) { continuation.resume(with: $0) }
        }
    }

    /// Returns once every batch queued before the call is committed (or has failed).
    public func flush() async throws {
        try await write(TelemetryBatch(device: DeviceID(), entries: []))
    }

    /// Commits what is queued, refuses new work, and returns when the writer thread has exited.
    public func shutdown() {
        let alreadyStopped = state.withLock { state -> Bool in
            defer { state.stopped = true }
            return state.stopped
        }
        guard !alreadyStopped else { return }
        for _ in 0..<laneCount { wakeUp.signal() }
        for _ in 0..<laneCount { finished.wait() }
    }

    public var statistics: (commits: Int, batches: Int) {
        state.withLock { ($0.commits, $0.committedBatches) }
    }

    private func run() {
        while true {
            wakeUp.wait()
            while true {
                let (group, number, stopped) = state.withLock { state -> ([Pending], Int, Bool) in
                    let count = min(state.pending.count, maximumGroupSize)
                    let group = Array(state.pending.prefix(count))
                    state.pending.removeFirst(count)
                    let number = state.nextGroup
                    if !group.isEmpty {
                        state.nextGroup += 1
                        state.active.insert(number)
                    }
                    return (group, number, state.stopped)
                }
                if group.isEmpty {
                    if stopped {
                        // Wake the next lane, which may still be waiting, so shutdown finds every lane gone.
                        wakeUp.signal()
                        finished.signal()
                        return
                    }
                    break
                }
                commit(group, number: number)
            }
        }
    }

    /// Waits until every group taken before `number` has committed (or failed): what a barrier promises.
    private func waitForOlderGroups(than number: Int) {
        guard laneCount > 1 else { return }
        while state.withLock({ $0.active.contains { $0 < number } }) {
            Thread.sleep(forTimeInterval: 0.001)
        }
    }

    private func commit(_ group: [Pending], number: Int) {
        defer { _ = state.withLock { $0.active.remove(number) } }
        // Empty batches are barriers (`flush`): they complete with their group, once the older groups committed.
        let batches = group.map(\.batch).filter { !$0.entries.isEmpty }
        let hasBarrier = group.count > batches.count
        do {
            if !batches.isEmpty { try append(batches) }
            if hasBarrier { waitForOlderGroups(than: number) }
            state.withLock {
                $0.commits += 1
                $0.committedBatches += group.count
            }
            if !batches.isEmpty { storage?.recordSuccess() }
            for item in group { item.completion(.success(())) }
            publish(batches)
        } catch {
            if hasBarrier { waitForOlderGroups(than: number) }
            // The database is away: every batch would fail alike (each after the same deadline), so all are told at
            // once instead of each waiting for its own attempt.
            if let failure = error as? StewardError, failure.kind == .unavailable {
                for item in group {
                    item.completion(item.batch.entries.isEmpty ? .success(()) : .failure(failure))
                }
                return
            }
            // Isolate the failing batch so one bad submitter does not fail everyone else's readings.
            guard group.count > 1 else {
                group[0].completion(.failure(mapped(error)))
                return
            }
            var committed: [TelemetryBatch] = []
            for item in group {
                do {
                    if !item.batch.entries.isEmpty { try append([item.batch]) }
                    item.completion(.success(()))
                    if feed.hasSubscribers, !item.batch.entries.isEmpty { committed.append(item.batch) }
                } catch {
                    item.completion(.failure(mapped(error)))
                }
            }
            publish(committed)
        }
    }

    /// Runs the store's asynchronous `append` and waits for it on the writer thread. The thread is not one of the
    /// concurrency runtime's, so waiting here never takes a thread from anyone else; the store does its work on its
    /// own executor (SQLite: the database's writer queue; PostgreSQL: the connection's event loop).
    private func append(_ batches: [TelemetryBatch]) throws {
        if let blockingStore {
            try blockingStore.appendBlocking(batches)
            return
        }
        let done = DispatchSemaphore(value: 0)
        let outcome = Mutex<Result<Void, any Error>>(.success(()))
        Task { [store] in
            do {
                try await store.append(batches)
            } catch {
                outcome.withLock { $0 = .failure(error) }
            }
            done.signal()
        }
        done.wait()
        try outcome.withLock { $0 }.get()
    }

    /// Hands committed batches to the feed, after their completions have run. With no subscriber this costs one
    /// atomic load; with subscribers, one event per batch that shares the batch's readings.
    private func publish(_ batches: [TelemetryBatch]) {
        guard feed.hasSubscribers, !batches.isEmpty else { return }
        let events = batches.compactMap { batch -> CommitEvent? in
            guard let tenant = batch.tenant else { return nil }
            return .telemetry(CommittedTelemetry(tenant: tenant, device: batch.device, readings: batch.entries))
        }
        feed.publish(events)
    }

    /// A full disk or database quota becomes `StewardError.storageFull` (HTTP 507, MQTT 5 0x97) and is recorded;
    /// other errors pass unchanged.
    private func mapped(_ error: any Error) -> any Error {
        if let storage { return storage.classify(error) }
        return StorageStatus.storageFull(error) ?? error
    }
}
