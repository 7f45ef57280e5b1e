import GRDB
import StewardCore
import StewardStore
import Synchronization

/// `device_change`: device changes recorded in the transaction that makes them, so the server that holds the
/// sessions follows changes made by the CLI (another process) as it follows its own.
extension SQLiteStore: DeviceChangeLog {
    public func deviceChanges(after id: Int64, limit: Int) async throws -> [DeviceChange] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT id, device_id, kind, time FROM device_change WHERE id > ? ORDER BY id LIMIT ?",
                arguments: [id, limit]
            ).compactMap { row in
                guard let device = DeviceID(row["device_id"] as String),
                    let kind = DeviceChange.Kind(rawValue: row["kind"] as String)
                else { return nil }
                return DeviceChange(id: row["id"], device: device, kind: kind, time: row["time"])
            }
        }
    }

    public func lastDeviceChangeID() async throws -> Int64 {
        try await pool.read { db in
            try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM device_change") ?? 0
        }
    }

    public func pruneDeviceChanges(before time: Int64) async throws {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM device_change WHERE time < ?", arguments: [time])
        }
    }

    public func forgetCachedState(of devices: [DeviceID]) {
        guard !devices.isEmpty else { return }
        tokenCache.forget(devices: Set(devices))
        forgetSealingTargets()
    }

    public func onLocalDeviceChanges(_ handler: @escaping @Sendable () -> Void) {
        deviceChangeListener.handler.withLock { $0 = handler }
    }

    /// Records `kind` for every device `selection` (a `SELECT id FROM device …`) names, inside the caller's
    /// transaction: before the devices are deleted, so the rows name them.
    func recordDeviceChanges(_ db: Database, kind: DeviceChange.Kind, selection: String, arguments: StatementArguments) throws {
        try db.execute(
            sql: "INSERT INTO device_change(device_id, kind, time) SELECT id, ?, ? FROM (\(selection))",
            arguments: [kind.rawValue, WallClock.nowMillis()] + arguments)
        deviceChangeListener.arm(db)
    }

    func recordDeviceChange(_ db: Database, kind: DeviceChange.Kind, device: DeviceID) throws {
        try db.execute(
            sql: "INSERT INTO device_change(device_id, kind, time) VALUES (?, ?, ?)",
            arguments: [device.description, kind.rawValue, WallClock.nowMillis()])
        deviceChangeListener.arm(db)
    }
}

/// Tells the handler once per committed transaction that recorded device changes; nothing on other transactions, so
/// ingest never pays for it.
final class DeviceChangeListener: Sendable {
    let handler = Mutex<(@Sendable () -> Void)?>(nil)
    /// Whether the current transaction already asked to be told (writes are serial, so one flag suffices).
    private let armed = Mutex(false)

    func arm(_ db: Database) {
        guard let handler = handler.withLock({ $0 }) else { return }
        let first = armed.withLock { armed in
            defer { armed = true }
            return !armed
        }
        guard first else { return }
        db.afterNextTransaction(
            onCommit: { [self] _ in
                armed.withLock { $0 = false }
                handler()
            },
            onRollback: { [self] _ in armed.withLock { $0 = false } })
    }
}
