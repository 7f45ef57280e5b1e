import Foundation
import StewardCore
import StewardStore
import Synchronization

/// `device_change`: device changes recorded in the transaction that makes them (see
/// `PostgresStore+DeviceChangeRecording`), so the server that holds the sessions follows changes made by the CLI
/// (another process) as it follows its own. Ids grow in commit order (the recording lock), so a reader resuming
/// after the last id it saw misses none.
extension PostgresStore: DeviceChangeLog {
    public func deviceChanges(after id: Int64, limit: Int) async throws -> [DeviceChange] {
        let rows = try await database.read { db in
            try await db.fetchAll(
                sql: "SELECT id, device_id, kind, time FROM device_change WHERE id > ? ORDER BY id LIMIT ?",
                arguments: [id, limit])
        }
        return try rows.compactMap { row in
            let deviceText: String = try row["device_id"]
            let kindText: String = try row["kind"]
            guard let device = DeviceID(deviceText), let kind = DeviceChange.Kind(rawValue: kindText) else { return nil }
            return DeviceChange(id: try row["id"], device: device, kind: kind, time: try row["time"])
        }
    }

    public func lastDeviceChangeID() async throws -> Int64 {
        try await database.read { db in
            try await db.fetchValue(Int64.self, sql: "SELECT MAX(id) FROM device_change") ?? 0
        }
    }

    public func pruneDeviceChanges(before time: Int64) async throws {
        _ = try await database.write { db in
            try await db.execute(sql: "DELETE FROM device_change WHERE time < ?", arguments: [time])
        }
    }

    public func forgetCachedState(of devices: [DeviceID]) {
        guard !devices.isEmpty else { return }
        tokenCache.forget(devices: Set(devices))
        forgetSealingTargets()
    }

    /// The handler is called by `announceDeviceChanges()`, which every recording write calls after its commit.
    public func onLocalDeviceChanges(_ handler: @escaping @Sendable () -> Void) {
        deviceChangeHandler.withLock { $0 = handler }
    }
}
