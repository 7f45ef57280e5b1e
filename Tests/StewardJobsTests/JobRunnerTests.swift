import Logging
import ServiceLifecycle
import ServiceLifecycleTestKit
@testable import StewardJobs
import StewardTesting
import Synchronization
import Testing

@Suite(.timeLimit(.minutes(5))) struct JobRunnerTests {
    @Test func runsAtStartThenOnceEveryInterval() async throws {
        let clock = ManualClock()
        let runs = Counter()
        let runner = JobRunner(
            jobs: [ScheduledJob(name: "count", interval: .seconds(60)) { runs.increment() }], clock: clock, logger: quietLogger)
        try await testGracefulShutdown { trigger in
            let task = Task { try await runner.run() }
            try await clock.waitForSleepers(1)
            #expect(runs.value == 1)
            #expect(clock.deadlines == [.seconds(60)])

            clock.advance(by: .seconds(59))
            #expect(clock.deadlines == [.seconds(60)])  // still pausing: not due yet
            #expect(runs.value == 1)

            clock.advance(by: .seconds(1))
            try await eventually("the second run") { runs.value == 2 }
            try await clock.waitForSleepers(1)
            #expect(clock.deadlines == [.seconds(120)])

            trigger.triggerGracefulShutdown()
            try await task.value
        }
        #expect(runs.value == 2)
    }

    @Test func theFirstRunWaitsForTheInitialDelay() async throws {
        let clock = ManualClock()
        let runs = Counter()
        let runner = JobRunner(
            jobs: [ScheduledJob(name: "later", interval: .seconds(60), initialDelay: .seconds(10)) { runs.increment() }],
            clock: clock, logger: quietLogger)
        try await testGracefulShutdown { trigger in
            let task = Task { try await runner.run() }
            try await clock.waitForSleepers(1)
            #expect(clock.deadlines == [.seconds(10)])
            #expect(runs.value == 0)
            clock.advance(by: .seconds(10))
            try await eventually("the first run") { runs.value == 1 }
            trigger.triggerGracefulShutdown()
            try await task.value
        }
    }

    @Test func jitterLengthensEachPauseByItsRandomShare() async throws {
        let clock = ManualClock()
        let runs = Counter()
        let runner = JobRunner(
            jobs: [ScheduledJob(name: "jittered", interval: .seconds(60), jitter: .seconds(20)) { runs.increment() }],
            clock: clock, logger: quietLogger, random: { 0.25 })
        try await testGracefulShutdown { trigger in
            let task = Task { try await runner.run() }
            try await clock.waitForSleepers(1)
            #expect(clock.deadlines == [.seconds(65)])
            clock.advance(by: .seconds(64))
            #expect(runs.value == 1)
            clock.advance(by: .seconds(1))
            try await eventually("the jittered run") { runs.value == 2 }
            trigger.triggerGracefulShutdown()
            try await task.value
        }
    }

    @Test func aRunNeverOverlapsTheNext() async throws {
        let clock = ManualClock()
        let gate = Gate()
        let running = Counter()
        let mostAtOnce = Counter()
        let runs = Counter()
        let runner = JobRunner(
            jobs: [
                ScheduledJob(name: "slow", interval: .seconds(1)) {
                    mostAtOnce.raise(to: running.increment())
                    await gate.wait()
                    running.decrement()
                    runs.increment()
                }
            ], clock: clock, logger: quietLogger)
        try await testGracefulShutdown { trigger in
            let task = Task { try await runner.run() }
            try await eventually("the first run to start") { running.value == 1 }
            // Many intervals pass while the run is in progress: no pause is pending, so nothing starts.
            for _ in 0..<10 { clock.advance(by: .seconds(1)) }
            #expect(clock.deadlines.isEmpty)
            gate.open()
            try await clock.waitForSleepers(1)
            #expect(runs.value == 1)
            // The next pause starts when the run ends, not on the schedule the run missed.
            #expect(clock.deadlines == [.seconds(11)])
            clock.advance(by: .seconds(1))
            try await eventually("the second run") { runs.value == 2 }
            trigger.triggerGracefulShutdown()
            try await task.value
        }
        #expect(mostAtOnce.value == 1)
    }

    @Test func aFailureIsLoggedAndRetriedAfterADoublingBackoff() async throws {
        let clock = ManualClock()
        let attempts = Counter()
        let log = CapturedLog()
        struct Flaky: Error, CustomStringConvertible {
            var description: String { "the disk hiccuped" }
        }
        let runner = JobRunner(
            jobs: [
                ScheduledJob(name: "flaky", interval: .seconds(3_600), retryDelay: .seconds(5)) {
                    if attempts.increment() <= 2 { throw Flaky() }
                }
            ], clock: clock, logger: log.logger)
        try await testGracefulShutdown { trigger in
            let task = Task { try await runner.run() }
            try await clock.waitForSleepers(1)
            #expect(attempts.value == 1)
            #expect(clock.deadlines == [.seconds(5)])  // first retry after retryDelay, not the hour
            clock.advance(by: .seconds(5))
            try await eventually("the first retry") { attempts.value == 2 }
            try await clock.waitForSleepers(1)
            #expect(clock.deadlines == [.seconds(15)])  // failed again: twice the delay
            clock.advance(by: .seconds(10))
            try await eventually("the second retry") { attempts.value == 3 }
            try await clock.waitForSleepers(1)
            #expect(clock.deadlines == [.seconds(3_615)])  // succeeded: back to the interval
            trigger.triggerGracefulShutdown()
            try await task.value
        }
        let errors = log.entries.filter { $0.level == .error }
        #expect(errors.count == 2)
        #expect(errors.allSatisfy { $0.metadata["job"] == "flaky" && $0.metadata["error"] == "the disk hiccuped" })
    }

    @Test func theRetryPauseNeverExceedsTheInterval() {
        let job = ScheduledJob(name: "j", interval: .seconds(60), retryDelay: .seconds(25)) {}
        #expect(job.retryPause(failures: 1) == .seconds(25))
        #expect(job.retryPause(failures: 2) == .seconds(50))
        #expect(job.retryPause(failures: 3) == .seconds(60))
        #expect(job.retryPause(failures: 1_000) == .seconds(60))
    }

    @Test func gracefulShutdownEndsEveryPauseAtOnce() async throws {
        let clock = ManualClock()
        let runs = Counter()
        let runner = JobRunner(
            jobs: [
                ScheduledJob(name: "a", interval: .seconds(3_600)) { runs.increment() },
                ScheduledJob(name: "b", interval: .seconds(60), initialDelay: .seconds(30)) { runs.increment() },
            ], clock: clock, logger: quietLogger)
        try await testGracefulShutdown { trigger in
            let task = Task { try await runner.run() }
            try await clock.waitForSleepers(2)
            trigger.triggerGracefulShutdown()
            // Returns without the clock moving: no pause is waited out.
            try await task.value
        }
        #expect(runs.value == 1)
        #expect(clock.deadlines.isEmpty)
    }

    @Test func gracefulShutdownLetsARunningJobFinishAndStartsNoOther() async throws {
        let clock = ManualClock()
        let gate = Gate()
        let finished = Counter()
        let sawCancellation = Counter()
        let runner = JobRunner(
            jobs: [
                ScheduledJob(name: "long", interval: .seconds(1)) {
                    await gate.wait()
                    if Task.isCancelled { sawCancellation.increment() }
                    finished.increment()
                }
            ], clock: clock, logger: quietLogger)
        try await testGracefulShutdown { trigger in
            let task = Task { try await runner.run() }
            try await eventually("the run to start") { gate.waiters == 1 }
            trigger.triggerGracefulShutdown()
            gate.open()
            try await task.value
        }
        #expect(finished.value == 1)
        #expect(sawCancellation.value == 0)
    }

    @Test func cancellationAtTheEndOfTheGracePeriodStopsARunningJob() async throws {
        let clock = ManualClock()
        let started = Counter()
        let runner = JobRunner(
            jobs: [
                ScheduledJob(name: "stuck", interval: .seconds(1)) {
                    started.increment()
                    try await Task.sleep(for: .seconds(86_400))
                }
            ], clock: clock, logger: quietLogger)
        let task = Task { try await runner.run() }
        try await eventually("the run to start") { started.value == 1 }
        task.cancel()
        try await task.value
        #expect(started.value == 1)
    }

    @Test func aBusyJobDoesNotDelayAnother() async throws {
        let clock = ManualClock()
        let gate = Gate()
        let quick = Counter()
        let runner = JobRunner(
            jobs: [
                ScheduledJob(name: "busy", interval: .seconds(60)) { await gate.wait() },
                ScheduledJob(name: "quick", interval: .seconds(10)) { quick.increment() },
            ], clock: clock, logger: quietLogger)
        try await testGracefulShutdown { trigger in
            let task = Task { try await runner.run() }
            try await clock.waitForSleepers(1)
            clock.advance(by: .seconds(10))
            try await eventually("the quick job's second run") { quick.value == 2 }
            gate.open()
            trigger.triggerGracefulShutdown()
            try await task.value
        }
    }
}

// MARK: Helpers

let quietLogger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

final class Counter: Sendable {
    private let count = Mutex(0)

    var value: Int { count.withLock { $0 } }

    /// Adds one; returns the new value.
    @discardableResult
    func increment() -> Int { count.withLock { $0 += 1; return $0 } }
    func decrement() { count.withLock { $0 -= 1 } }
    func raise(to value: Int) { count.withLock { $0 = max($0, value) } }
}

/// Holds every task that waits on it until it is opened.
final class Gate: Sendable {
    private struct State {
        var open = false
        var waiting: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    var waiters: Int { state.withLock { $0.waiting.count } }

    func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let passes = state.withLock { state -> Bool in
                if state.open { return true }
                state.waiting.append(continuation)
                return false
            }
            if passes { continuation.resume() }
        }
    }

    func open() {
        let waiting = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.open = true
            defer { state.waiting = [] }
            return state.waiting
        }
        for continuation in waiting { continuation.resume() }
    }
}

/// Log entries kept in memory, to assert what was logged.
final class CapturedLog: Sendable {
    struct Entry: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]
    }

    private let stored = Mutex<[Entry]>([])

    var entries: [Entry] { stored.withLock { $0 } }

    var logger: Logger {
        Logger(label: "captured") { _ in Handler(log: self) }
    }

    fileprivate func append(_ entry: Entry) { stored.withLock { $0.append(entry) } }

    private struct Handler: LogHandler {
        let log: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let all = metadata.merging(event.metadata ?? [:]) { $1 }
            log.append(Entry(level: event.level, message: "\(event.message)", metadata: all.mapValues { "\($0)" }))
        }
    }
}
