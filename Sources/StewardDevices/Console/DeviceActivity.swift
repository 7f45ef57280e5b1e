import StewardCore
import StewardStore

/// Whether a device counts as active, and since when it was last heard from, as ThingsBoard shows it: a device is
/// active while it has a live session, or when its newest reading is younger than its profile's inactivity timeout
/// (600 s unless the profile says otherwise).
public struct DeviceActivity: Sendable, Equatable {
    /// The newest reading's time (ms), nil when the device never reported.
    public var lastActivity: Int64?
    /// Whether a session of the device is open in this process now.
    public var connected: Bool
    public var active: Bool

    /// ThingsBoard's default inactivity timeout, in seconds.
    public static let defaultInactivityTimeout: Int64 = DeviceProfile.defaultInactivityTimeout

    public init(lastActivity: Int64?, connected: Bool, inactivityTimeoutSeconds: Int64, now: Int64) {
        self.lastActivity = lastActivity
        self.connected = connected
        if connected {
            active = true
        } else if let lastActivity {
            active = now - lastActivity < inactivityTimeoutSeconds * 1_000
        } else {
            active = false
        }
    }
}

/// Activity of a page of devices in one store query (the latest-values table) plus the hub's live sessions: nothing is
/// written on the ingest path for it, so showing it never slows a PUBACK.
public struct DeviceActivityService: Sendable {
    let telemetry: any TelemetryStore
    let hub: DeviceHub

    public init(telemetry: any TelemetryStore, hub: DeviceHub) {
        self.telemetry = telemetry
        self.hub = hub
    }

    /// The activity of each of `devices` (all of `tenant`); `timeout` gives a device's inactivity timeout in seconds.
    public func activity(
        tenant: TenantID, devices: [Device], now: Int64 = WallClock.nowMillis(),
        timeout: (Device) -> Int64 = { _ in DeviceActivity.defaultInactivityTimeout }
    ) async throws -> [DeviceID: DeviceActivity] {
        let ids = devices.map(\.id)
        let newest = try await telemetry.newestReadingTimes(tenant: tenant, devices: ids)
        let live = hub.connected(ids)
        var result: [DeviceID: DeviceActivity] = [:]
        for device in devices {
            result[device.id] = DeviceActivity(
                lastActivity: newest[device.id], connected: live.contains(device.id), inactivityTimeoutSeconds: timeout(device), now: now)
        }
        return result
    }
}
