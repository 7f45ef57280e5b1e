import Logging
import StewardCore
import StewardStore

/// Applies recorded device changes in this process: drops what the store caches about the device and closes its
/// live sessions through the hub. Changes made here are applied at once (`catchUp()` after the write); changes made
/// by another process (the CLI, later a second node) by `run()`, which polls the log every `interval`.
///
/// Each change is applied once per process, in log order, whoever asks first: the actor serialises the readers and
/// only changes after the last applied id count.
public actor DeviceChangeWatcher {
    let log: any DeviceChangeLog
    let hub: DeviceHub
    /// The newest change applied, or nil before the first read (then the log's newest: older changes concern
    /// sessions this process never had).
    private var lastApplied: Int64?

    /// Changes read per query.
    static let batchSize = 500

    public init(log: any DeviceChangeLog, hub: DeviceHub) {
        self.log = log
        self.hub = hub
    }

    /// Applies the changes this process commits right after each commit, whoever made them (an erasure, a tenant's
    /// deletion), without waiting for the next poll.
    public nonisolated func followLocalChanges() {
        log.onLocalDeviceChanges { [weak self] in
            guard let self else { return }
            Task { try? await self.catchUp() }  // a failure is retried by the next poll
        }
    }

    /// Marks where this process starts following the log. Call before making a change that `catchUp()` should apply.
    public func start() async throws {
        guard lastApplied == nil else { return }
        let newest = try await log.lastDeviceChangeID()
        if lastApplied == nil { lastApplied = newest }
    }

    /// Applies every change recorded since the last one applied and returns them.
    @discardableResult
    public func catchUp() async throws -> [DeviceChange] {
        try await start()
        var applied: [DeviceChange] = []
        while true {
            let after = lastApplied ?? 0
            let read = try await log.deviceChanges(after: after, limit: Self.batchSize)
            // Another caller may have applied some of these while this one waited for the read.
            let fresh = read.filter { $0.id > lastApplied ?? 0 }
            if let last = fresh.last { lastApplied = last.id }
            apply(fresh)
            applied += fresh
            if read.count < Self.batchSize { return applied }
        }
    }

    private func apply(_ changes: [DeviceChange]) {
        guard !changes.isEmpty else { return }
        // Caches first: a device that reconnects once its session is closed must meet the database, not the cache.
        log.forgetCachedState(of: changes.map(\.device))
        for change in changes {
            hub.closeSessions(change.device, reason: Self.reason(change.kind))
        }
    }

    static func reason(_ kind: DeviceChange.Kind) -> String {
        switch kind {
        case .deleted: "Device was deleted"
        case .credentialsChanged: "Device credentials were changed"
        case .personErased: "The person this device concerns was erased"
        }
    }

    /// Follows the log until the task is cancelled: every `interval` applies new changes; every `pruneEvery`
    /// deletes changes older than `retention`. Errors are logged and the next round tries again.
    public func run(
        interval: Duration = .seconds(1), retention: Duration = .seconds(600), pruneEvery: Duration = .seconds(60),
        logger: Logger
    ) async {
        let clock = ContinuousClock()
        var nextPrune = clock.now
        while !Task.isCancelled {
            do {
                try await catchUp()
                if clock.now >= nextPrune {
                    try await log.pruneDeviceChanges(before: WallClock.nowMillis() - Int64(retention.components.seconds) * 1000)
                    nextPrune = clock.now.advanced(by: pruneEvery)
                }
            } catch {
                logger.error("Following device changes failed; retrying", metadata: ["error": "\(error)"])
            }
            do {
                try await Task.sleep(for: interval)
            } catch {
                return
            }
        }
    }
}
