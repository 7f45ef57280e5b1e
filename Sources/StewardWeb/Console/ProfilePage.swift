import Foundation
import StewardCore
import StewardDevices
import StewardPrivacy

/// What the profile pages show, in words: timeouts and TTLs as "10 minutes", provisioning as what it allows, and the
/// privacy declaration's telemetry mapping as it applies to one profile (read-only: the declaration is the source of
/// truth, validated as a whole, and retention and the export read it).
enum ProfilePage {
    /// The units a form offers for a duration, largest first, in seconds.
    static let units: [(name: String, seconds: Int64)] = [("days", 86_400), ("hours", 3_600), ("minutes", 60), ("seconds", 1)]

    /// `600` → "10 minutes", `5400` → "1 hour 30 minutes", `90061` → "1 day 1 hour" (the two largest parts).
    static func words(seconds: Int64) -> String {
        var rest = seconds
        var parts: [String] = []
        for (name, size) in units where rest >= size {
            let count = rest / size
            rest %= size
            parts.append("\(count) \(count == 1 ? String(name.dropLast()) : name)")
        }
        return parts.isEmpty ? "0 seconds" : parts.prefix(2).joined(separator: " ")
    }

    /// A duration as a form shows it: the largest unit that divides it.
    static func formValue(seconds: Int64) -> (amount: String, unit: String) {
        let unit = units.first { seconds % $0.seconds == 0 } ?? ("seconds", 1)
        return (String(seconds / unit.seconds), unit.name)
    }

    /// Reads an amount and unit from a form; empty is nil. Refuses what is not a positive whole number.
    static func seconds(amount: String?, unit: String?, what: String) throws(StewardError) -> Int64? {
        let text = (amount ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if text.isEmpty { return nil }
        guard let value = Int64(text), value > 0 else {
            throw .badRequest("\(what) must be a whole number above zero, not “\(text)”")
        }
        guard let size = units.first(where: { $0.name == unit })?.seconds else {
            throw .badRequest("Choose days, hours, minutes or seconds for \(what.lowercased())")
        }
        let (product, overflow) = value.multipliedReportingOverflow(by: size)
        guard !overflow else { throw .badRequest("\(what) is too long") }
        return product
    }

    static func provisioning(_ profile: DeviceProfile) -> String {
        switch profile.provisionStrategy {
        case nil: return "Off"
        case .allowCreateNewDevices?: return "New devices may register themselves with the key and secret"
        case .checkPreProvisionedDevices?: return "Only devices added here beforehand may fetch their credentials"
        }
    }

    static func ttl(_ profile: DeviceProfile) -> String {
        profile.storageTTL.map { words(seconds: $0) } ?? "as the privacy declaration says"
    }

    /// The rules that classify this profile's keys, in the order they apply: its own, the general ones, the default.
    static func mapping(_ profile: DeviceProfile, privacy: PrivacyDeclaration) -> [[String: Any]] {
        let telemetry = privacy.telemetry
        let own = telemetry.profiles.first { $0.profile.lowercased() == profile.name.lowercased() }?.rules ?? []
        func row(_ pattern: String, _ categoryKey: String, own: Bool) -> [String: Any] {
            let category = privacy.category(categoryKey)
            var row: [String: Any] = [
                "pattern": pattern, "category": category?.name ?? categoryKey, "own": own, "sensitive": category?.sensitive ?? false,
            ]
            if let rule = privacy.retentionRule(for: categoryKey) { row["kept"] = Durations.words(rule.period) }
            return row
        }
        return own.map { row($0.pattern, $0.category, own: true) } + telemetry.rules.map { row($0.pattern, $0.category, own: false) }
            + [row("any other key", telemetry.defaultCategory, own: false)]
    }
}
