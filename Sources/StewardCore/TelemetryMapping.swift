/// Which data category a device telemetry or attribute key belongs to, so the purpose check and retention can
/// treat `lat` as precise location without the device saying so.
public struct TelemetryMapping: Sendable, Equatable {
    /// `pattern` is an exact key or a glob (`lat*`, `gps?`), matched without regard to case.
    public struct Rule: Sendable, Equatable {
        public var pattern: String
        public var category: String

        public init(pattern: String, category: String) {
            self.pattern = pattern
            self.category = category
        }

        public func matches(_ key: String) -> Bool {
            Glob.matches(Array(pattern.lowercased()), Array(key.lowercased()))
        }
    }

    /// Rules for one device profile; they win over the general rules for devices of that profile.
    public struct Profile: Sendable, Equatable {
        public var profile: String
        public var rules: [Rule]

        public init(profile: String, rules: [Rule]) {
            self.profile = profile
            self.rules = rules
        }
    }

    /// Where keys no rule covers go.
    public var defaultCategory: String
    public var rules: [Rule]
    public var profiles: [Profile]

    public init(defaultCategory: String, rules: [Rule] = [], profiles: [Profile] = []) {
        self.defaultCategory = defaultCategory
        self.rules = rules
        self.profiles = profiles
    }

    /// Every category a key can be put in: the rules' categories and the default.
    public var categoryKeys: Set<String> {
        Set(rules.map(\.category) + profiles.flatMap { $0.rules.map(\.category) } + [defaultCategory])
    }

    /// The category key for `key`: the first matching rule of the device's profile, else the first general
    /// rule, else the default.
    public func categoryKey(forKey key: String, profile: String? = nil) -> String {
        if let profile, let own = profiles.first(where: { $0.profile.lowercased() == profile.lowercased() }),
            let rule = own.rules.first(where: { $0.matches(key) })
        {
            return rule.category
        }
        return rules.first(where: { $0.matches(key) })?.category ?? defaultCategory
    }
}

/// Shell-style globbing with `*` and `?`, enough for telemetry key patterns.
enum Glob {
    static func matches(_ pattern: [Character], _ text: [Character]) -> Bool {
        var p = 0, t = 0
        var star = -1, mark = 0
        while t < text.count {
            if p < pattern.count, pattern[p] == "?" || pattern[p] == text[t] {
                p += 1
                t += 1
            } else if p < pattern.count, pattern[p] == "*" {
                star = p
                mark = t
                p += 1
            } else if star >= 0 {
                p = star + 1
                mark += 1
                t = mark
            } else {
                return false
            }
        }
        while p < pattern.count, pattern[p] == "*" { p += 1 }
        return p == pattern.count
    }
}
