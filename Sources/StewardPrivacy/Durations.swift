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

    /// The (number, unit) pairs of a duration, or nil when it is not one.
    private static func parts(_ text: String) -> [(Int, String)]? {
        guard text.hasPrefix("P"), text.count > 1 else { return nil }
        var result: [(Int, String)] = []
        var number = ""
        var inTime = false
        for character in text.dropFirst() {
            if character.isASCII, character.isNumber {
                number.append(character)
                continue
            }
            if character == "T", !inTime, number.isEmpty {
                inTime = true
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
        return number.isEmpty && !result.isEmpty ? result : nil
    }
}
