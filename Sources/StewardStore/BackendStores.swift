/// Every store one database backend provides, as the composition root holds them: nothing above the backend names a
/// backend type, so SQLite and PostgreSQL are interchangeable behind it.
public typealias BackendStores = AccountStore & DeviceStore & TelemetryStore & AttributeStore & IdentityStore
    & PersonalDataStore & DeviceChangeLog & TableRowSource & TableRowTarget & RetentionStore & StatisticsStore
    & DiagnosticsStore

/// Backups as an intent: a consistent copy of everything, with every person's data sealed with that person's key,
/// however the backend makes it (SQLite: its online backup API, then sealing and vacuuming the copy).
public protocol BackupStore: Sendable {
    /// Writes the backup to `path` (a new file); returns how many people's data it holds.
    func backup(to path: String) throws -> Int
}

/// Housekeeping a backend needs on a schedule (PostgreSQL: the telemetry partitions of the coming months). The server
/// runs it hourly; SQLite needs none.
public protocol StorageMaintenance: Sendable {
    func maintain(now: Int64) async throws
}
