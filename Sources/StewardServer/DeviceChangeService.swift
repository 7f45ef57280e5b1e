import Logging
import ServiceLifecycle
import StewardDevices

/// Follows device changes made by other processes (the CLI deleting a device or erasing a person): their sessions
/// here are closed and their cached tokens dropped within about a second. Stopped by graceful shutdown.
struct DeviceChangeService: Service {
    let watcher: DeviceChangeWatcher
    let logger: Logger

    func run() async throws {
        // From the log's newest entry: older changes concern sessions this process never had.
        try await watcher.start()
        await cancelWhenGracefulShutdown {
            await watcher.run(logger: logger)
        }
    }
}
