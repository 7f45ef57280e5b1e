import Foundation
import StewardPrivacy
import Testing

/// Small declarations for the error tests: `minimalYAML` is valid and complete, and each test breaks one thing.
enum Fixtures {
    static let minimalYAML = """
        version: "2027-01-01"
        effectiveDate: "2027-01-01"
        controller:
          name: Test Operator
          address: 1 Test Street, Testville
          email: privacy@test.invalid
        dpo:
          name: Dee Pio
          email: dpo@test.invalid
        supervisoryAuthority:
          name: Test Authority
          url: https://authority.test.invalid
        subjects:
          - key: customer
            name: Account holders
            description: People with an account.
        categories:
          - key: user.contact.email
            name: Email address
            description: Where mail goes.
            sensitive: true
          - key: user.location.precise
            name: Precise location
            description: Coordinates.
            sensitive: true
          - key: user.telemetry
            name: Readings
            description: Everything else devices send.
        purposes:
          - key: account
            name: Provide the account
            description: Run the account.
            legalBasis: contract
            categories: [user.contact.email]
            subjects: [customer]
            needsConsent: false
          - key: devices
            name: Operate devices
            description: Show readings.
            legalBasis: contract
            categories: [user.location.precise, user.telemetry]
            subjects: [customer]
            needsConsent: false
          - key: analytics
            name: Analytics
            description: Count visits.
            legalBasis: consent
            categories: [user.telemetry]
            subjects: [customer]
            needsConsent: true
            offByGPC: true
            offByDNT: true
            optional: true
        retention:
          - {category: user.contact.email, period: account-lifetime, then: delete}
          - {category: user.location.precise, period: P90D, then: delete}
          - {category: user.telemetry, period: P1Y, then: aggregate}
        recipients:
          - name: Mail provider
            kind: processor
            purposes: [account]
            categories: [user.contact.email]
            location: EU
        cookies:
          - name: steward_session
            category: necessary
            purpose: account
            lifetime: P7D
            description: Keeps you signed in.
        telemetry:
          defaultCategory: user.telemetry
          rules:
            - {pattern: "lat*", category: user.location.precise}
        jurisdictions:
          - {code: OTHER, name: Everywhere, requestDeadline: 30, extension: 0, extensionNotice: 30, ageOfConsent: 16}
        rights:
          - {key: access, page: /account/privacy/data}
          - {key: rectification, page: /account/profile}
          - {key: erasure, page: /account/privacy/delete}
          - {key: restriction, page: /account/privacy/restrict}
          - {key: portability, page: /account/privacy/export}
          - {key: objection, page: /account/privacy/object}
          - {key: withdraw-consent, page: /account/privacy/consents}
          - {key: complaint, page: /account/privacy/complaint}
        dntGpcStatement: We honour DNT and GPC.
        statutoryRequirement: Nothing is required by law.
        automatedDecisionMaking: No automated decisions.
        changeLog:
          - {version: "2027-01-01", date: "2027-01-01", material: true, summary: First version.}
        """

    /// `minimalYAML` with the first occurrence of `old` replaced by `new`.
    static func replacing(_ old: String, with new: String, in yaml: String = minimalYAML) -> String {
        guard let range = yaml.range(of: old) else {
            Issue.record("fixture has no '\(old)'")
            return yaml
        }
        return yaml.replacingCharacters(in: range, with: new)
    }

    /// The 1-based line of the first line containing `needle`.
    static func line(of needle: String, in yaml: String) -> Int {
        let lines = yaml.split(separator: "\n", omittingEmptySubsequences: false)
        guard let index = lines.firstIndex(where: { $0.contains(needle) }) else {
            Issue.record("no line contains '\(needle)'")
            return -1
        }
        return index + 1
    }

    /// The issues loading `yaml` throws; records a test issue when it loads cleanly or is unreadable.
    static func issues(_ yaml: String) -> [DeclarationIssue] {
        do {
            _ = try PrivacyDeclaration.load(yaml: yaml)
            Issue.record("expected the declaration to be refused")
            return []
        } catch {
            guard case .invalid(let issues) = error else {
                Issue.record("expected invalid, got \(error)")
                return []
            }
            return issues
        }
    }

    /// The single issue whose message contains `fragment`.
    static func issue(_ fragment: String, in issues: [DeclarationIssue]) -> DeclarationIssue? {
        let found = issues.filter { $0.message.contains(fragment) }
        if found.isEmpty { Issue.record("no issue mentions '\(fragment)'; got \(issues.map(\.description))") }
        return found.first
    }
}
