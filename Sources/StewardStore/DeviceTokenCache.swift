import StewardCore
import Synchronization

/// Devices by access token, so authenticating an HTTP request or an MQTT CONNECT rarely reaches the database. Every
/// backend keeps one. Entries expire after `lifetimeMs`, so a change another process made (the CLI) takes effect;
/// changes made in this process drop their entries at once.
public final class DeviceTokenCache: Sendable {
    private let entries = Mutex<[String: (device: Device, expires: Int64)]>([:])
    public let lifetimeMs: Int64
    /// Beyond this many entries the cache starts again empty (a flood of made-up tokens cannot grow it).
    public let capacity: Int

    public init(lifetimeMs: Int64 = 5_000, capacity: Int = 100_000) {
        self.lifetimeMs = lifetimeMs
        self.capacity = capacity
    }

    /// The cached device for `token`, if still fresh at `now`.
    public func device(token: String, now: Int64) -> Device? {
        entries.withLock { entries in
            guard let entry = entries[token], entry.expires > now else { return nil }
            return entry.device
        }
    }

    /// Records what the database answered for `token` (nil: no such device, nothing cached).
    public func remember(token: String, device: Device?, now: Int64) {
        entries.withLock { entries in
            guard let device else {
                entries[token] = nil
                return
            }
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[token] = (device, now + lifetimeMs)
        }
    }

    /// Drops every token of these devices (changed or deleted in this process).
    public func forget(devices: Set<DeviceID>) {
        guard !devices.isEmpty else { return }
        entries.withLock { entries in
            for (token, entry) in entries where devices.contains(entry.device.id) { entries[token] = nil }
        }
    }

    /// Drops everything (a tenant's deletion, an erasure).
    public func removeAll() {
        entries.withLock { $0.removeAll() }
    }
}
