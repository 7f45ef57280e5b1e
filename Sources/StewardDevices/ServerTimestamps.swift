import StewardCore
import Synchronization

/// Hands out the server's timestamps for readings that carry none of their own.
///
/// Readings are stored by (device, key, millisecond), so two readings of one key without `ts` that arrive in the
/// same millisecond would replace each other, and both were acknowledged. Each device's server timestamps
/// therefore only ever increase: a message gets the wall clock, or one millisecond after the last timestamp
/// this device was given if that is later. A device publishing faster than one untimed value-carrying message
/// per millisecond runs ahead of the wall clock until it slows down, by at most `maximumLead`; beyond that its
/// messages are refused (with the reason) instead of being stamped ever further in the future. Readings with
/// their own `ts` are stored at that `ts`, and a repeated `ts` replaces the earlier value, as ThingsBoard does.
///
/// The table lives in memory: a process started again within `maximumLead` of a device running ahead could give
/// it a millisecond it had already been given. That needs more than 1,000 untimed messages a second from one
/// device and a restart within seconds; devices that send `ts` are never affected.
public final class ServerTimestamps: Sendable {
    private let last = Mutex<[DeviceID: Int64]>([:])
    /// How far ahead of the wall clock a device's server timestamps may run.
    public let maximumLead: Int64
    /// Above this many devices remembered, those whose last timestamp is already in the past are forgotten (the
    /// wall clock alone keeps them increasing).
    private let pruneThreshold: Int

    public init(maximumLead: Int64 = 10_000, pruneThreshold: Int = 50_000) {
        self.maximumLead = maximumLead
        self.pruneThreshold = pruneThreshold
    }

    /// Reserves `count` consecutive timestamps for `device` and returns the first; refuses when that would put the
    /// device more than `maximumLead` ahead of the wall clock.
    public func reserve(_ device: DeviceID, count: Int64, now: Int64 = WallClock.nowMillis()) throws(StewardError) -> Int64 {
        guard count > 0 else { return now }
        let lead = maximumLead
        let first: Int64? = last.withLock { table in
            let next = table[device].map { $0 + 1 } ?? now
            let first = max(now, next)
            guard first + count - 1 <= now + lead else { return nil }
            table[device] = first + count - 1
            if table.count > pruneThreshold {
                table = table.filter { $0.value >= now }
            }
            return first
        }
        guard let first else {
            throw StewardError(
                .unavailable,
                "Too many readings without 'ts' from this device: each gets its own millisecond, and this one is already "
                    + "\(lead / 1000) s ahead of the clock. Send 'ts' with each reading, or fewer untimed messages")
        }
        return first
    }
}
