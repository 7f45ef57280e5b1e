import Logging
import ServiceLifecycle
import StewardAuth

/// Periodic housekeeping while the server runs: deleting accounts that never opened.
struct MaintenanceService: Service {
    let sweeper: UnopenedAccountSweeper
    let logger: Logger
    var interval: Duration = .seconds(3_600)

    func run() async throws {
        // Graceful shutdown cancels the wait between sweeps, so stopping the server never waits for the next one.
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let deleted = try await sweeper.sweep()
                    if deleted > 0 { logger.info("Deleted accounts that never opened", metadata: ["count": "\(deleted)"]) }
                } catch {
                    logger.error("Account sweep failed", metadata: ["error": "\(error)"])
                }
                try await Task.sleep(for: interval)
            }
        }
    }
}
