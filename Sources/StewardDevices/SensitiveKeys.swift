import StewardCore
import Synchronization

/// Which telemetry and attribute keys are in a sensitive data category (precise location, health…), from the
/// privacy declaration's mapping: the device service names them in every batch it submits, and the store seals
/// exactly those (with the key of the person the device concerns). The decision is the declaration's and is made
/// here, once per profile and key, never inside a database transaction.
public final class SensitiveKeys: Sendable {
    let mapping: TelemetryMapping
    /// The categories of `mapping` the declaration classes sensitive.
    let sensitiveCategories: Set<String>
    /// Answers already worked out: profile name ("" for none) → key → sensitive.
    let answers = Mutex<[String: [String: Bool]]>([:])
    /// More distinct keys than this and the answers start again (keys are chosen by devices).
    static let capacity = 100_000

    /// `isSensitive` says whether a category key (as the mapping gives it) is sensitive.
    public init(mapping: TelemetryMapping, isSensitive: (_ category: String) -> Bool) {
        self.mapping = mapping
        sensitiveCategories = mapping.categoryKeys.filter(isSensitive)
    }

    /// Nothing is sensitive: nothing is ever sealed.
    public static let none = SensitiveKeys(mapping: TelemetryMapping(defaultCategory: ""), isSensitive: { _ in false })

    /// The keys among `keys` that are sensitive on a device of `profile`; with `profile` unknown (`.unknown`), a key
    /// is sensitive if it is under any profile: sealing too much costs a little time, sealing too little is a leak.
    public func sensitive(_ keys: some Sequence<String>, profile: Profile) -> Set<String> {
        guard !sensitiveCategories.isEmpty else { return [] }
        return answers.withLock { answers in
            var result: Set<String> = []
            let name = profile.cacheName
            for key in keys {
                let answer: Bool
                if let known = answers[name]?[key] {
                    answer = known
                } else {
                    answer = decide(key, profile)
                    if answers.values.reduce(0, { $0 + $1.count }) > Self.capacity { answers.removeAll() }
                    answers[name, default: [:]][key] = answer
                }
                if answer { result.insert(key) }
            }
            return result
        }
    }

    func decide(_ key: String, _ profile: Profile) -> Bool {
        switch profile {
        case .none: return sensitiveCategories.contains(mapping.categoryKey(forKey: key, profile: nil))
        case .named(let name): return sensitiveCategories.contains(mapping.categoryKey(forKey: key, profile: name))
        case .unknown:
            return decide(key, .none) || mapping.profiles.contains { decide(key, .named($0.profile)) }
        }
    }

    /// The device profile a key is classified under.
    public enum Profile: Sendable, Hashable {
        /// The device has no profile.
        case none
        case named(String)
        /// The device has a profile whose name is not known here yet.
        case unknown

        var cacheName: String {
            switch self {
            case .none: return ""
            case .named(let name): return "=" + name
            case .unknown: return "?"
            }
        }
    }
}
