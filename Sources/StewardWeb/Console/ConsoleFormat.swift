import Foundation
import StewardCore
import StewardStore

/// How every console page shows times, roles and states: people read "3 minutes ago" and "7 Dec 2026 14:05 UTC",
/// "Tenant administrator" and "waiting for email confirmation", never epoch milliseconds, role constants
/// (`TENANT_ADMIN`) or status codes. Pages put `moment(_:now:)` into their data and render it with
/// `<time datetime="{{iso}}" title="{{absolute}}">{{relative}}</time>`, or use `readable(_:now:)` for one string.
enum ConsoleFormat {
    /// `2026-11-23 04:12:07 UTC`: the sortable form older pages and their tests read.
    static func time(_ millis: Int64) -> String { UTCTime.format(millis, seconds: true) }

    /// `7 Dec 2026 14:05 UTC`.
    static func absolute(_ millis: Int64) -> String { formatted(millis, "d MMM yyyy HH:mm 'UTC'") }

    /// `2026-12-07T14:05:00Z`, for `<time datetime>`.
    static func iso(_ millis: Int64) -> String { formatted(millis, "yyyy-MM-dd'T'HH:mm:ss'Z'") }

    /// `just now`, `3 minutes ago`, `5 hours ago`, `yesterday`, `12 days ago`, and past 60 days the date alone
    /// (`7 Dec 2026`); a time ahead of `now` reads `in 4 minutes`.
    static func relative(_ millis: Int64, now: Int64) -> String {
        let delta = now - millis
        let seconds = abs(delta) / 1_000
        func amount(_ count: Int64, _ unit: String) -> String {
            let text = "\(count) \(unit)\(count == 1 ? "" : "s")"
            return delta >= 0 ? "\(text) ago" : "in \(text)"
        }
        if seconds < 45 { return delta >= 0 ? "just now" : "in a moment" }
        if seconds < 3_600 { return amount(max(1, (seconds + 30) / 60), "minute") }
        if seconds < 86_400 { return amount(seconds / 3_600, "hour") }
        let days = seconds / 86_400
        if days == 1 { return delta >= 0 ? "yesterday" : "tomorrow" }
        if days < 60 { return amount(days, "day") }
        return formatted(millis, "d MMM yyyy")
    }

    /// `3 minutes ago (7 Dec 2026 14:05 UTC)`: both, for a cell or a sentence.
    static func readable(_ millis: Int64, now: Int64 = WallClock.nowMillis()) -> String {
        "\(relative(millis, now: now)) (\(absolute(millis)))"
    }

    /// What a template needs for `<time datetime="{{iso}}" title="{{absolute}}">{{relative}}</time>`.
    static func moment(_ millis: Int64, now: Int64 = WallClock.nowMillis()) -> [String: String] {
        ["relative": relative(millis, now: now), "absolute": absolute(millis), "iso": iso(millis)]
    }

    /// An audit entry's detail as people read it: "read by a CUSTOMER_USER" (as `AccessLog` writes it, and as
    /// entries already stored say it) becomes "read by a customer user".
    static func auditDetail(_ detail: String) -> String {
        Authority.allCases.reduce(detail) { text, authority in
            text.replacingOccurrences(of: "read by a \(authority.rawValue)", with: "read by a \(role(authority).lowercased())")
        }
    }

    /// A count with its noun: "1 workspace", "3 workspaces" (the plural adds "s" unless given).
    static func count(_ number: Int, _ one: String, _ many: String? = nil) -> String {
        "\(number.formatted()) \(number == 1 ? one : many ?? one + "s")"
    }

    /// A role as people name it.
    static func role(_ authority: Authority) -> String {
        switch authority {
        case .systemAdmin: "System administrator"
        case .tenantAdmin: "Tenant administrator"
        case .customerUser: "Customer user"
        }
    }

    /// An account's state in words.
    static func status(_ status: AccountStatus) -> String {
        switch status {
        case .awaitingEmail: "Waiting for email confirmation"
        case .awaitingParent: "Waiting for a parent's consent"
        case .active: "Active"
        case .disabled: "Disabled by an administrator"
        case .deactivated: "Deactivated by its owner"
        }
    }

    /// An audit event in words: `account.email-confirmed` → "Account: email confirmed", `api-key.created` → "API key:
    /// created". The code stays available to the page (a tooltip) for those who search the trail by it.
    static func event(_ code: String) -> String {
        func words(_ part: Substring) -> String {
            let text = String(part)
            if let known = eventWords[text] { return known }
            return text.replacingOccurrences(of: "-", with: " ").replacingOccurrences(of: "_", with: " ")
        }
        let parts = code.split(separator: ".", maxSplits: 1)
        guard let first = parts.first else { return code }
        let subject = words(first)
        let head = subject.prefix(1).uppercased() + subject.dropFirst()
        return parts.count == 2 ? "\(head): \(words(parts[1]))" : head
    }

    static let eventWords = [
        "api-key": "API key", "sign-in": "sign-in", "sign-up": "sign-up", "2fa": "two-factor sign-in", "dsr": "data request",
        "confirmed-by-admin": "confirmed by an administrator",
    ]

    /// How an audited action was authenticated, without the session's or key's id: `session:…` → "signed-in session".
    static func credential(_ credential: String) -> String {
        if credential.hasPrefix("session:") { return "signed-in session" }
        if credential.hasPrefix("api-key:") { return "application key" }
        switch credential {
        case "": return ""
        case "cli": return "command line"
        case "sign-up": return "sign-up form"
        case "email-link": return "link in a mail"
        case "reset-link": return "password reset link"
        case "parent-link": return "parent's consent link"
        case "unsubscribe-link": return "unsubscribe link"
        case "sweeper", "retention": return "Steward (scheduled)"
        default: return credential.replacingOccurrences(of: "-", with: " ")
        }
    }

    static func formatted(_ millis: Int64, _ format: String) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = format
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(millis) / 1_000))
    }
}
