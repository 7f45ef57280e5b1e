import Foundation

/// Wall-clock milliseconds since the epoch: the unit of every timestamp ThingsBoard's API uses.
public enum WallClock {
    /// The environment variable that moves Steward's clock by whole days.
    public static let offsetVariable = "STEWARD_CLOCK_OFFSET_DAYS"

    /// Days added to every reading of the clock (`STEWARD_CLOCK_OFFSET_DAYS`, read once; 0 without it or when it is
    /// not a whole number within ±100 years, which `serve` refuses to start with). It lets a test, or an operator
    /// rehearsing a retention run, see what Steward does with its data in N days without waiting for them: only
    /// Steward's own times move, not TLS validity checks or the database server's clock. The server warns at every
    /// start and `/api/health` shows it.
    public static let offsetDays: Int64 = offsetDays(ProcessInfo.processInfo.environment[offsetVariable]) ?? 0

    static let offsetMillis = offsetDays * 86_400_000

    /// The offset `text` names: nil when it is absent, not a whole number, or beyond ±36,500 days.
    public static func offsetDays(_ text: String?) -> Int64? {
        guard let text, let days = Int64(text.trimmingCharacters(in: .whitespaces)), (-36_500...36_500).contains(days)
        else { return nil }
        return days
    }

    public static func nowMillis() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000 + offsetMillis
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
