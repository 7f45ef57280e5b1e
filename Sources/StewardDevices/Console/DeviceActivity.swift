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

extension DeviceActivity {
    /// ThingsBoard's synthesized SERVER_SCOPE attributes, which its rule scripts and widgets read: `active`,
    /// `lastActivityTime` (ms, only once the device was heard from) and `inactivityTimeout` (ms, as ThingsBoard keeps
    /// it). Computed from the same activity the device list shows; never stored, so ingest writes nothing for them.
    /// A device never heard from (no reading, no session) has none, as a device ThingsBoard has not yet seen.
    public func serverAttributes(inactivityTimeoutSeconds: Int64, now: Int64) -> [AttributeEntry] {
        guard lastActivity != nil || connected else { return [] }
        var entries = [AttributeEntry(key: "active", value: .bool(active), lastUpdateTs: lastActivity ?? now)]
        if let lastActivity {
            entries.append(AttributeEntry(key: "lastActivityTime", value: .long(lastActivity), lastUpdateTs: lastActivity))
        }
        entries.append(AttributeEntry(key: "inactivityTimeout", value: .long(inactivityTimeoutSeconds * 1_000), lastUpdateTs: now))
        return entries
    }

    /// The names `serverAttributes` answers with.
    public static let serverAttributeKeys: Set<String> = ["active", "lastActivityTime", "inactivityTimeout"]
}

extension DeviceActivityService {
    /// One device's synthesized server attributes (`DeviceActivity.serverAttributes`), its profile's timeout looked up.
    public func serverAttributes(_ device: Device, devices: any DeviceStore, now: Int64 = WallClock.nowMillis()) async throws -> [AttributeEntry] {
        var timeout = DeviceActivity.defaultInactivityTimeout
        if let profile = device.profileID, let record = try await devices.profile(tenant: device.tenantID, id: profile) {
            timeout = record.inactivityTimeout
        }
        guard let activity = try await activity(tenant: device.tenantID, devices: [device], now: now) { _ in timeout }[device.id] else { return [] }
        return activity.serverAttributes(inactivityTimeoutSeconds: timeout, now: now)
    }
}
