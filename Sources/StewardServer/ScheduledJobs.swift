import Logging
import StewardAuth
import StewardCore
import StewardJobs
import StewardStore

extension Steward {
    /// The housekeeping the server runs on its `JobRunner`.
    func scheduledJobs(logger: Logger) -> [ScheduledJob] {
        let sweeper = UnopenedAccountSweeper(store: store, configuration: identity)
        var jobs = [
            // Accounts whose email was never confirmed, or whose parent never consented, once their links expired.
            ScheduledJob(name: "unopened-account-sweep", interval: .seconds(3_600), jitter: .seconds(60), retryDelay: .seconds(60)) {
                let deleted = try await sweeper.sweep()
                if deleted > 0 { logger.info("Deleted accounts that never opened", metadata: ["count": "\(deleted)"]) }
            }
        ]
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
