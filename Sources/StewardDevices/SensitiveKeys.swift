import StewardCore
import Synchronization

/// Which telemetry and attribute keys are in a sensitive data category (precise location, health…), from the
/// privacy declaration's mapping: the device service names them in every batch it submits, and the store seals
/// exactly those (with the key of the person the device concerns). The decision is the declaration's and is made
/// here, once per key (and profile, where a profile's rules could change it), never inside a database transaction.
///
/// This runs for every message on the ingest path, so a known key costs one hash lookup under a lock, and the
/// device's profile is only looked up for keys whose answer depends on it.
public final class SensitiveKeys: Sendable {
    let mapping: TelemetryMapping
    /// The categories of `mapping` the declaration classes sensitive.
    let sensitiveCategories: Set<String>
    /// Answers worked out so far, by key.
    let answers = Mutex<[String: Answer]>([:])
    /// More distinct keys than this and the answers start again (keys are chosen by devices).
    static let capacity = 100_000

    /// What is known about one key.
    struct Answer {
        /// Whether any profile's rules match the key; when none does, `general` is the answer for every device.
        var profileMatters: Bool
        /// The answer for a device without a profile (or when no profile rule matches).
        var general: Bool
        /// The answer when the device's profile is not known: sensitive under any profile.
        var unknown: Bool
        /// Answers per profile name, filled as profiles are seen.
        var named: [String: Bool] = [:]
    }

    /// `isSensitive` says whether a category key (as the mapping gives it) is sensitive.
    public init(mapping: TelemetryMapping, isSensitive: (_ category: String) -> Bool) {
        self.mapping = mapping
        sensitiveCategories = mapping.categoryKeys.filter(isSensitive)
    }

    /// Nothing is sensitive: nothing is ever sealed.
    public static let none = SensitiveKeys(mapping: TelemetryMapping(defaultCategory: ""), isSensitive: { _ in false })

    /// The sensitive keys among the readings' keys. `profile` is asked at most once, and only when a key's answer
    /// depends on the device's profile.
    public func sensitive(in entries: [TimedValues], profile: () -> Profile) -> Set<String> {
        guard !sensitiveCategories.isEmpty else { return [] }
        var resolved: Profile?
        return answers.withLock { answers in
            var result: Set<String> = []
            for entry in entries {
                for value in entry.values where isSensitive(value.key, &answers, &resolved, profile) {
                    result.insert(value.key)
                }
            }
            return result
        }
    }

    /// The keys among `keys` that are sensitive on a device of `profile`; with `profile` unknown (`.unknown`), a key
    /// is sensitive if it is under any profile: sealing too much costs a little time, sealing too little is a leak.
    public func sensitive(_ keys: some Sequence<String>, profile: Profile) -> Set<String> {
        guard !sensitiveCategories.isEmpty else { return [] }
        var resolved: Profile? = profile
        return answers.withLock { answers in
            Set(keys.filter { isSensitive($0, &answers, &resolved, { profile }) })
        }
    }

    func isSensitive(_ key: String, _ answers: inout [String: Answer], _ resolved: inout Profile?, _ profile: () -> Profile) -> Bool {
        var answer: Answer
        if let known = answers[key] {
            if !known.profileMatters { return known.general }
            answer = known
        } else {
            answer = Answer(
                profileMatters: mapping.profiles.contains { $0.rules.contains { $0.matches(key) } },
                general: decide(key, .none), unknown: decide(key, .unknown))
            if !answer.profileMatters {
                remember(answer, for: key, in: &answers)
                return answer.general
            }
        }
        if resolved == nil { resolved = profile() }
        switch resolved! {
        case .none: return answer.general
        case .unknown: return answer.unknown
        case .named(let name):
            if let known = answer.named[name] { return known }
            let decided = decide(key, .named(name))
            answer.named[name] = decided
            remember(answer, for: key, in: &answers)
            return decided
        }
    }

    func remember(_ answer: Answer, for key: String, in answers: inout [String: Answer]) {
        if answers.count >= Self.capacity { answers.removeAll() }
        answers[key] = answer
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
    }
}
