import StewardCore
import StewardStore
import Synchronization

/// `device_change` rows are recorded in the transaction that changes the devices, so a server follows changes the CLI
/// (another process) makes. Readers poll by id and must never miss one, so ids have to grow in commit order: every
/// recording transaction first takes the same advisory lock, which it holds until it commits. These writes are rare
/// (deletion, a new token, an erasure, a tenant's deletion).
extension PostgresStore {
    /// Lock id of the device-change lock ("STEWDCHG").
    static let deviceChangeLock: Int64 = 0x5354_4557_4443_4847

    /// Records `kind` for every device `selection` (a `SELECT id FROM device …` with `?` placeholders) names, before
    /// they change. Call `announceDeviceChanges()` after the transaction committed.
    func recordDeviceChanges(_ db: SQLConnection, kind: DeviceChange.Kind, selection: String, arguments: SQLArguments) async throws {
        try await db.execute(sql: "SELECT pg_advisory_xact_lock(?)", arguments: [Self.deviceChangeLock])
        try await db.execute(
            sql: "INSERT INTO device_change(device_id, kind, time) SELECT id, ?, ? FROM (\(selection)) AS selected",
            arguments: [kind.rawValue, WallClock.nowMillis()] + arguments)
    }

    func recordDeviceChange(_ db: SQLConnection, kind: DeviceChange.Kind, device: DeviceID) async throws {
        try await db.execute(sql: "SELECT pg_advisory_xact_lock(?)", arguments: [Self.deviceChangeLock])
        try await db.execute(
            sql: "INSERT INTO device_change(device_id, kind, time) VALUES (?, ?, ?)",
            arguments: [device.description, kind.rawValue, WallClock.nowMillis()])
    }

    /// Tells this process's listener (`onLocalDeviceChanges`) after a commit that recorded device changes.
    func announceDeviceChanges() {
        deviceChangeHandler.withLock { $0 }?()
    }
}
