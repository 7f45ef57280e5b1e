import StewardCore
import Synchronization

/// Hands out the server's timestamps for readings that carry none of their own.
///
/// Readings are stored by (device, key, millisecond), so two readings of one key without `ts` that arrive in the
/// same millisecond would replace each other, and both were acknowledged. Each device's server timestamps
/// therefore only ever increase: a message gets the wall clock, or one millisecond after the last timestamp
/// this device was given if that is later. A device publishing faster than one untimed message per
/// millisecond runs slightly ahead of the wall clock until it slows down; readings with their own `ts` are
/// stored at that `ts`, and a repeated `ts` replaces the earlier value, as ThingsBoard does.
public final class ServerTimestamps: Sendable {
    private let last = Mutex<[DeviceID: Int64]>([:])
    /// Above this many devices remembered, those whose last timestamp is already in the past are forgotten (the
    /// wall clock alone keeps them increasing).
    private let pruneThreshold: Int

    public init(pruneThreshold: Int = 50_000) {
        self.pruneThreshold = pruneThreshold
    }

    /// Reserves `count` consecutive timestamps for `device` and returns the first.
    public func reserve(_ device: DeviceID, count: Int64, now: Int64 = WallClock.nowMillis()) -> Int64 {
        guard count > 0 else { return now }
        return last.withLock { table in
            let next = table[device].map { $0 + 1 } ?? now
            let first = max(now, next)
            table[device] = first + count - 1
            if table.count > pruneThreshold {
                table = table.filter { $0.value >= now }
            }
            return first
        }
    }
}
