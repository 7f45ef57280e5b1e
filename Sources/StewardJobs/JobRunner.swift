import Logging
import ServiceLifecycle

/// Runs named scheduled jobs while the server runs: one `Service` in the server's group for all of them.
///
/// Each job has its own loop, so a slow job never delays another, and a job never overlaps itself. A failed run
/// is logged with the job's name and tried again (see `ScheduledJob`). Graceful shutdown ends every pause at
/// once; a run in progress is left to finish, and only the end of the grace period (the group cancelling this
/// service) cancels it.
public struct JobRunner<JobClock: Clock>: Service where JobClock.Duration == Duration {
    public let jobs: [ScheduledJob]
    private let clock: JobClock
    private let logger: Logger
    /// A number in 0…1 for each pause's share of the jitter.
    private let random: @Sendable () -> Double

    /// - Parameters:
    ///   - clock: measures the pauses; tests pass a clock they advance themselves.
    ///   - random: the share of the jitter each pause takes, 0…1; uniform by default.
    /// - Precondition: job names are unique.
    public init(
        jobs: [ScheduledJob], clock: JobClock, logger: Logger, random: @escaping @Sendable () -> Double = { Double.random(in: 0...1) }
    ) {
        precondition(Set(jobs.map(\.name)).count == jobs.count, "Two scheduled jobs have the same name")
        self.jobs = jobs
        self.clock = clock
        self.logger = logger
        self.random = random
    }

    public func run() async throws {
        await withDiscardingTaskGroup { group in
            for job in jobs {
                group.addTask { await loop(job) }
            }
        }
    }

    private func loop(_ job: ScheduledJob) async {
        var logger = logger
        logger[metadataKey: "job"] = "\(job.name)"
        var pause = job.initialDelay
        var failures = 0
        while await wait(pause) {
            do {
                try await job.work()
                if failures > 0 { logger.info("Scheduled job succeeded again", metadata: ["failures": "\(failures)"]) }
                failures = 0
                pause = job.pause(fraction: random())
            } catch {
                if Task.isCancelled { return }
                failures += 1
                pause = job.retryPause(failures: failures)
                logger.error(
                    "Scheduled job failed; it runs again after the pause",
                    metadata: ["error": "\(error)", "failures": "\(failures)", "pause": "\(pause)"])
            }
        }
        logger.debug("Scheduled job stopped")
    }

    /// Pauses for `duration`; false when shutdown (graceful or not) ended the pause or had begun already.
    private func wait(_ duration: Duration) async -> Bool {
        guard !Task.isCancelled, !Task.isShuttingDownGracefully else { return false }
        do {
            try await cancelWhenGracefulShutdown { [clock] in try await clock.sleep(for: duration) }
        } catch {
            return false
        }
        return !Task.isCancelled && !Task.isShuttingDownGracefully
    }
}

extension JobRunner where JobClock == ContinuousClock {
    /// A runner on the system's monotonic clock.
    public init(jobs: [ScheduledJob], logger: Logger) {
        self.init(jobs: jobs, clock: ContinuousClock(), logger: logger)
    }
}
