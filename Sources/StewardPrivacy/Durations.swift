import Foundation

/// ISO 8601 durations and dates as the declaration writes them, checked and put into words for the policy.
public enum Durations {
    /// `account-lifetime`: kept while the account exists, deleted with it (promise MS-11 says so in the policy).
    public static let accountLifetime = "account-lifetime"

    /// True for `P30D`, `P2Y6M`, `PT12H`, `P1W`…
    public static func isDuration(_ text: String) -> Bool { parts(text) != nil }

    public static func isRetentionPeriod(_ text: String) -> Bool { text == accountLifetime || isDuration(text) }

    /// True for `YYYY-MM-DD` with a plausible month and day.
    public static func isDate(_ text: String) -> Bool {
        let pieces = text.split(separator: "-", omittingEmptySubsequences: false)
        guard pieces.count == 3, pieces[0].count == 4, pieces[1].count == 2, pieces[2].count == 2,
            let month = Int(pieces[1]), let day = Int(pieces[2]), Int(pieces[0]) != nil
        else { return false }
        return (1...12).contains(month) && (1...31).contains(day)
    }

    /// Plain words for a period or lifetime: `P2Y` → "2 years", `session` → "until the browser closes".
    public static func words(_ text: String) -> String {
        if text == accountLifetime { return "as long as the account exists (until you delete it)" }
        if text == "session" { return "until the browser closes" }
        guard let parts = parts(text) else { return text }
        return parts.map { count, unit in "\(count) \(unit)\(count == 1 ? "" : "s")" }.joined(separator: " ")
    }

    /// The longest retention period a declaration may state: beyond it a period is a typo, not a decision.
    public static let longestPeriod = "P100Y"

    /// When a record made at or before the returned time (ms) has outlived `period`, counted back from `now` (ms) on
    /// the Gregorian calendar in UTC, so `P13M` is thirteen calendar months and `P1Y` from 29 February ends on
    /// 28 February. Nil for `account-lifetime` (no time limit: the record goes with the account) and for text that is
    /// not a duration.
    public static func cutoff(_ period: String, now: Int64) -> Int64? {
        guard let parts = parts(period) else { return nil }
        var components = DateComponents()
        for (count, unit) in parts {
            switch unit {
            case "year": components.year = (components.year ?? 0) - count
            case "month": components.month = (components.month ?? 0) - count
            case "week": components.day = (components.day ?? 0) - 7 * count
            case "day": components.day = (components.day ?? 0) - count
            case "hour": components.hour = (components.hour ?? 0) - count
            case "minute": components.minute = (components.minute ?? 0) - count
            default: components.second = (components.second ?? 0) - count
            }
        }
        let start = Date(timeIntervalSince1970: Double(now) / 1000)
        guard let end = utcCalendar.date(byAdding: components, to: start) else { return nil }
        return Int64((end.timeIntervalSince1970 * 1000).rounded())
    }

    /// True when a duration adds up to nothing (`P0D`, `PT0S`): as a retention period it would delete records as they
    /// are written.
    public static func isZero(_ text: String) -> Bool {
        parts(text).map { $0.allSatisfy { $0.0 == 0 } } ?? false
    }

    /// True when a duration is longer than `longestPeriod` (100 years).
    public static func isBeyondLongest(_ text: String) -> Bool {
        let now: Int64 = 0
        guard let cutoff = cutoff(text, now: now), let longest = self.cutoff(longestPeriod, now: now) else { return false }
        return cutoff < longest
    }

    private static let utcCalendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    /// The (number, unit) pairs of a duration, or nil when it is not one.
    private static func parts(_ text: String) -> [(Int, String)]? {
        guard text.hasPrefix("P"), text.count > 1 else { return nil }
        var result: [(Int, String)] = []
        var number = ""
        var inTime = false
        var timeStart: Int? = nil
        for character in text.dropFirst() {
            if character.isASCII, character.isNumber {
                number.append(character)
                continue
            }
            if character == "T", !inTime, number.isEmpty {
                inTime = true
                timeStart = result.count
                continue
            }
            let unit: String?
            switch (character, inTime) {
            case ("Y", false): unit = "year"
            case ("M", false): unit = "month"
            case ("W", false): unit = "week"
            case ("D", false): unit = "day"
            case ("H", true): unit = "hour"
            case ("M", true): unit = "minute"
            case ("S", true): unit = "second"
            default: unit = nil
            }
            guard let unit, let count = Int(number) else { return nil }
            result.append((count, unit))
            number = ""
        }
        // `T` must be followed by at least one time element (`P1DT` is not a duration).
        if let timeStart, timeStart == result.count { return nil }
        return number.isEmpty && !result.isEmpty ? result : nil
    }
}
