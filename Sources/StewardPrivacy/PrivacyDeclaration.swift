import StewardCore
import Foundation

/// The one machine-readable statement of what Steward processes, why, for how long and for whom.
///
/// The platform enforces it (purpose check, retention, cookies, signals) and renders it as the published policy,
/// so the policy and the behaviour cannot disagree (promise ST-1). It is loaded from YAML; see
/// `Resources/default-privacy.yaml` for the shipped default and the field reference.
public struct PrivacyDeclaration: Sendable, Equatable {
    public var version: String
    /// `YYYY-MM-DD`: when this version takes effect.
    public var effectiveDate: String
    public var controller: Controller
    public var dpo: ProtectionOfficer?
    public var supervisoryAuthority: SupervisoryAuthority
    public var categories: [DataCategory]
    public var subjects: [DataSubject]
    public var purposes: [Purpose]
    public var retention: [RetentionRule]
    public var recipients: [Recipient]
    public var cookies: [Cookie]
    public var telemetry: TelemetryMapping
    public var jurisdictions: [Jurisdiction]
    public var rights: [Right]
    public var changeLog: [PolicyChange]
    /// How DNT and GPC are honoured (the GPC spec asks publishers to disclose it).
    public var dntGpcStatement: String
    /// Whether giving the data is a statutory or contractual requirement and what follows from not giving it
    /// (Art. 13(2)(e)).
    public var statutoryRequirement: String
    /// Whether automated decision-making or profiling takes place (Art. 13(2)(f)).
    public var automatedDecisionMaking: String
    /// Where each field was written; empty for a declaration built in code.
    public var sourceMap: SourceMap
    /// What is published as public statistics (`/stats`), and the smallest group that may appear; nil publishes
    /// nothing (promise HA-7).
    public var statistics: StatisticsDeclaration? = nil

    public init(
        version: String, effectiveDate: String, controller: Controller, dpo: ProtectionOfficer? = nil,
        supervisoryAuthority: SupervisoryAuthority, categories: [DataCategory], subjects: [DataSubject],
        purposes: [Purpose], retention: [RetentionRule], recipients: [Recipient], cookies: [Cookie],
        telemetry: TelemetryMapping, jurisdictions: [Jurisdiction], rights: [Right], changeLog: [PolicyChange],
        dntGpcStatement: String, statutoryRequirement: String, automatedDecisionMaking: String,
        sourceMap: SourceMap = SourceMap()
    ) {
        self.version = version
        self.effectiveDate = effectiveDate
        self.controller = controller
        self.dpo = dpo
        self.supervisoryAuthority = supervisoryAuthority
        self.categories = categories
        self.subjects = subjects
        self.purposes = purposes
        self.retention = retention
        self.recipients = recipients
        self.cookies = cookies
        self.telemetry = telemetry
        self.jurisdictions = jurisdictions
        self.rights = rights
        self.changeLog = changeLog
        self.dntGpcStatement = dntGpcStatement
        self.statutoryRequirement = statutoryRequirement
        self.automatedDecisionMaking = automatedDecisionMaking
        self.sourceMap = sourceMap
    }

    // MARK: Loading

    /// Parses and validates `yaml`; throws every problem at once so one `policy check` run shows them all.
    public static func load(yaml: String) throws(DeclarationError) -> PrivacyDeclaration {
        let (declaration, structural) = try DeclarationDecoder.decode(yaml: yaml)
        let issues = (structural + declaration.validate()).sorted {
            ($0.line, $0.column, $0.path) < ($1.line, $1.column, $1.path)
        }
        guard issues.isEmpty else { throw .invalid(issues) }
        return declaration
    }

    /// Loads the declaration in the file at `file`.
    public static func load(file: URL) throws(DeclarationError) -> PrivacyDeclaration {
        let text: String
        do {
            text = try String(contentsOf: file, encoding: .utf8)
        } catch {
            throw .unreadable("cannot read \(file.path): \(error.localizedDescription)")
        }
        return try load(yaml: text)
    }

    /// The YAML text of the declaration Steward ships, which describes its own processing.
    public static var bundledDefaultYAML: String {
        guard let url = Bundle.module.url(forResource: "default-privacy", withExtension: "yaml", subdirectory: "Resources"),
            let text = try? String(contentsOf: url, encoding: .utf8)
        else { preconditionFailure("StewardPrivacy's bundle lacks Resources/default-privacy.yaml") }
        return text
    }

    /// The shipped default, used when the data directory has no `privacy.yaml`. A broken default is a build
    /// defect (the tests load it), so it traps rather than throws.
    public static let bundledDefault: PrivacyDeclaration = {
        do {
            return try load(yaml: bundledDefaultYAML)
        } catch {
            preconditionFailure("the bundled privacy declaration is invalid: \(error)")
        }
    }()

    // MARK: Look-ups

    public func category(_ key: String) -> DataCategory? { categories.first { $0.key == key } }

    public func purpose(_ key: String) -> Purpose? { purposes.first { $0.key == key } }

    public func subject(_ key: String) -> DataSubject? { subjects.first { $0.key == key } }

    public func right(_ key: Right.Key) -> Right? { rights.first { $0.key == key } }

    /// True when `ancestor` is `key` or one of its dotted parents, so a rule on `user.contact` covers
    /// `user.contact.email`.
    public func isAncestor(_ ancestor: String, of key: String) -> Bool { TaxonomyKey.isAncestor(ancestor, of: key) }

    /// The category a device telemetry or attribute key belongs to: the device profile's rules first, then the
    /// general patterns, then the declared default. Always returns a category (an undeclared key is named as is,
    /// which `validate()` reports).
    public func category(forTelemetryKey key: String, profile: String? = nil) -> DataCategory {
        let categoryKey = telemetry.categoryKey(forKey: key, profile: profile)
        return category(categoryKey) ?? DataCategory(key: categoryKey, name: categoryKey, description: "")
    }

    /// The retention rule that governs `category`: its own, else the nearest ancestor's.
    public func retentionRule(for category: String) -> RetentionRule? {
        retention.filter { TaxonomyKey.isAncestor($0.category, of: category) }
            .max { $0.category.count < $1.category.count }
    }

    /// The jurisdiction for an ISO country code: a rule named for the country, else one that lists it, else
    /// `OTHER`.
    public func jurisdiction(forCountry country: String) -> Jurisdiction? {
        let code = country.uppercased()
        return jurisdictions.first { $0.code == code }
            ?? jurisdictions.first { ($0.countries ?? []).contains(code) }
            ?? jurisdictions.first { $0.code == "OTHER" }
    }

    /// The change-log entry for the current version.
    public var currentChange: PolicyChange? { changeLog.first { $0.version == version } }
}
