import Logging
import StewardAuth
import StewardCore
import StewardJobs
import StewardPrivacy
import StewardStore
import StewardWeb

extension Steward {
    /// The housekeeping the server runs on its `JobRunner`.
    func scheduledJobs(logger: Logger, retentionInterval: Duration) -> [ScheduledJob] {
        let retention = self.retention
        let statistics = self.statistics
        var jobs = [
            // The declaration's retention periods (promise MB-14), recorded in the audit trail as `retention.run`; also
            // accounts whose email was never confirmed, or whose parent never consented, once their links expired.
            ScheduledJob(name: "retention", interval: retentionInterval, jitter: .seconds(60), retryDelay: .seconds(60)) {
                let report = try await retention.run(dryRun: false, credential: "retention")
                if report.affected > 0 {
                    logger.info("Retention run deleted expired records", metadata: ["count": "\(report.affected)"])
                }
            },
            // Public statistics (promise HA-7): each complete UTC day is released once, at start and then hourly.
            ScheduledJob(name: "public-statistics", interval: .seconds(3_600), jitter: .seconds(60), retryDelay: .seconds(60)) {
                let run = try await statistics.publish(now: WallClock.nowMillis())
                if !run.days.isEmpty {
                    logger.info(
                        "Published public statistics",
                        metadata: ["days": "\(run.days.count)", "groups": "\(run.published)", "suppressed": "\(run.suppressed)"])
                }
            },
        ]
        // Request and error records buffered in memory (MS-4), written in one transaction every 5 s.
        let recorder = diagnostics
        let store = self.store
        jobs.append(
            ScheduledJob(name: "diagnostics-flush", interval: .seconds(5), initialDelay: .seconds(5), retryDelay: .seconds(5)) {
                try await recorder.flush(into: store)
                let lost = recorder.newlyDropped()
                if lost > 0 {
                    logger.warning(
                        "Diagnostic records were dropped because the buffer was full", metadata: ["count": "\(lost)", "capacity": "\(recorder.capacity)"])
                }
            })
        if let maintenance = store as? any StorageMaintenance {
            // PostgreSQL: a partition for each coming month exists before its first reading arrives.
            jobs.append(
                ScheduledJob(name: "storage-maintenance", interval: .seconds(3_600), jitter: .seconds(60), retryDelay: .seconds(60)) {
                    try await maintenance.maintain(now: WallClock.nowMillis())
                })
        }
        return jobs
    }
}
