import StewardCore

/// A change to a device that every process holding its sessions or caching it must follow: the CLI, or later a
/// second node, changes the database, but the live MQTT sessions and the token cache are in the server.
public struct DeviceChange: Sendable, Equatable {
    /// What happened to the device; each kind ends its live sessions and drops what is cached about it.
    public enum Kind: String, Sendable, CaseIterable {
        /// The device is gone (deleted alone or with its tenant).
        case deleted
        /// Its access token changed: sessions opened with the old one must end.
        case credentialsChanged = "credentials-changed"
        /// The person it concerns was erased: its readings are gone and it no longer seals for anyone.
        case personErased = "person-erased"
    }

    /// Increasing in commit order, so a reader resumes after the last id it saw.
    public var id: Int64
    public var device: DeviceID
    public var kind: Kind
    /// When it was recorded, in milliseconds since the epoch.
    public var time: Int64

    public init(id: Int64, device: DeviceID, kind: Kind, time: Int64) {
        self.id = id
        self.device = device
        self.kind = kind
        self.time = time
    }
}

/// The log of device changes, written by the store in the same transaction as the change itself (`deleteDevice`,
/// an `updateDevice` that changes the token, an erasure, a tenant's deletion), and read by the server that holds the
/// sessions. Polling from the last id seen works on every backend; one that can push (PostgreSQL's LISTEN/NOTIFY)
/// may only shorten the wait.
public protocol DeviceChangeLog: Sendable {
    /// Changes after `id`, oldest first, at most `limit`.
    func deviceChanges(after id: Int64, limit: Int) async throws -> [DeviceChange]
    /// The id of the newest change (0 when there is none): where a process that just started begins.
    func lastDeviceChangeID() async throws -> Int64
    /// Deletes changes recorded before `time`; every running reader has seen them long ago.
    func pruneDeviceChanges(before time: Int64) async throws
    /// Drops whatever this process caches about the devices (token lookups, whom they concern), so the next
    /// lookup reads the database.
    func forgetCachedState(of devices: [DeviceID])
    /// Calls `handler` after each transaction of this process that recorded device changes has committed, whoever
    /// made it (device management, an erasure, a tenant's deletion), so they apply at once instead of at the next
    /// poll. Replaces an earlier handler.
    func onLocalDeviceChanges(_ handler: @escaping @Sendable () -> Void)
}
