import Foundation

/// Wall-clock milliseconds since the epoch: the unit of every timestamp ThingsBoard's API uses.
public enum WallClock {
    public static func nowMillis() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }
}

/// Timestamps as people read them in pages and mail: UTC, so every reader sees the same time.
public enum UTCTime {
    /// `2026-11-23 04:12 UTC`, or with `seconds` `2026-11-23 04:12:07 UTC`.
    public static func format(_ millis: Int64, seconds: Bool = false) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = seconds ? "yyyy-MM-dd HH:mm:ss 'UTC'" : "yyyy-MM-dd HH:mm 'UTC'"
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(millis) / 1000))
    }
}
