import StewardCore

/// What a dashboard control just did (a command's answer or timeout, a saved attribute, a refused input), held for
/// the redirect back to the dashboard so the widget can show it. Kept on the server under a random token that only
/// the user who pressed the control can read, rather than in the URL, so a crafted link cannot make a widget claim
/// an answer the device never gave. Entries live two minutes and are read once; at most 1,000 are held.
actor DashboardWidgetResults {
    struct Entry: Sendable {
        var user: UserID
        var dashboard: DashboardID
        var widget: Int
        var ok: Bool
        var message: String
        var reply: String?
        var expires: Int64
        /// The device the control acted on and the params typed for it, so a refused form keeps what was typed.
        var device: String? = nil
        var params: String? = nil
    }

    static let shared = DashboardWidgetResults()
    static let lifetimeMillis: Int64 = 120_000
    static let capacity = 1_000

    private var entries: [String: Entry] = [:]

    /// Keeps a result and returns the token the redirect carries.
    func keep(_ entry: Entry, now: Int64) -> String {
        entries = entries.filter { $0.value.expires > now }
        if entries.count >= Self.capacity, let oldest = entries.min(by: { $0.value.expires < $1.value.expires })?.key {
            entries[oldest] = nil
        }
        let token = RandomToken.alphanumeric(length: 24)
        var kept = entry
        kept.expires = now + Self.lifetimeMillis
        entries[token] = kept
        return token
    }

    /// The result for this user and dashboard, once; nil when unknown, expired, or someone else's.
    func take(_ token: String, user: UserID, dashboard: DashboardID, now: Int64) -> Entry? {
        guard let entry = entries[token], entry.user == user, entry.dashboard == dashboard else { return nil }
        entries[token] = nil
        return entry.expires > now ? entry : nil
    }
}
