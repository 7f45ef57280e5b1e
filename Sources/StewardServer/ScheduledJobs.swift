import Logging
import StewardAuth
import StewardJobs

extension Steward {
    /// The housekeeping the server runs on its `JobRunner`.
    func scheduledJobs(logger: Logger) -> [ScheduledJob] {
        let sweeper = UnopenedAccountSweeper(store: store, configuration: identity)
        return [
            // Accounts whose email was never confirmed, or whose parent never consented, once their links expired.
            ScheduledJob(name: "unopened-account-sweep", interval: .seconds(3_600), jitter: .seconds(60), retryDelay: .seconds(60)) {
                let deleted = try await sweeper.sweep()
                if deleted > 0 { logger.info("Deleted accounts that never opened", metadata: ["count": "\(deleted)"]) }
            }
        ]
    }
}
