/// A named piece of housekeeping that runs again and again while the server runs: sweeps, retention, roll-ups.
///
/// The `JobRunner` runs it `initialDelay` after start, then `interval` (plus up to `jitter`) after each run has
/// finished, so a run never overlaps the previous one. A run that throws is logged and tried again after
/// `retryDelay`, doubling with each failure in a row up to `interval`.
public struct ScheduledJob: Sendable {
    /// Names the job in the log; unique within one runner.
    public let name: String
    /// The pause between the end of one run and the start of the next.
    public let interval: Duration
    /// At most this much is added to each pause, chosen at random each time, so that jobs started together (or
    /// several servers) spread their load instead of waking in step.
    public let jitter: Duration
    /// The pause before the first run.
    public let initialDelay: Duration
    /// The pause after a failed run, before the first retry.
    public let retryDelay: Duration
    /// One run. It should return promptly when its task is cancelled (the shutdown grace period has ended).
    public let work: @Sendable () async throws -> Void

    /// - Precondition: `interval` is positive; `jitter`, `initialDelay` and `retryDelay` are not negative.
    public init(
        name: String, interval: Duration, jitter: Duration = .zero, initialDelay: Duration = .zero,
        retryDelay: Duration = .seconds(30), work: @escaping @Sendable () async throws -> Void
    ) {
        precondition(interval > .zero, "Job '\(name)': the interval must be positive")
        precondition(jitter >= .zero && initialDelay >= .zero && retryDelay >= .zero, "Job '\(name)': delays cannot be negative")
        self.name = name
        self.interval = interval
        self.jitter = jitter
        self.initialDelay = initialDelay
        self.retryDelay = retryDelay
        self.work = work
    }

    /// The pause after a run that succeeded: the interval and a random share (`fraction`, 0…1) of the jitter.
    func pause(fraction: Double) -> Duration {
        interval + jitter * min(max(fraction, 0), 1)
    }

    /// The pause after the `failures`-th failed run in a row: `retryDelay` doubled each time, at most `interval`.
    func retryPause(failures: Int) -> Duration {
        let doublings = min(max(failures - 1, 0), 30)
        return min(retryDelay * (1 << doublings), interval)
    }
}
