import Foundation
import StewardPrivacy
import Testing

/// Every kind of mistake is reported with the line the operator has to fix, and all at once.
@Suite struct DeclarationErrorTests {
    @Test func undeclaredCategoryInAPurpose() throws {
        let yaml = Fixtures.replacing("categories: [user.contact.email]\n    subjects", with: "categories: [user.contact.emial]\n    subjects")
        let issue = try #require(Fixtures.issue("category 'user.contact.emial' is not declared", in: Fixtures.issues(yaml)))
        #expect(issue.line == Fixtures.line(of: "user.contact.emial", in: yaml))
        #expect(issue.path == "purposes[0].categories[0]")
        #expect(issue.message.contains("did you mean 'user.contact.email'"))
    }

    @Test func undeclaredSubjectInAPurpose() throws {
        let yaml = Fixtures.replacing("subjects: [customer]\n    needsConsent: false\n  - key: devices", with: "subjects: [robots]\n    needsConsent: false\n  - key: devices")
        let issue = try #require(Fixtures.issue("data subject 'robots' is not declared", in: Fixtures.issues(yaml)))
        #expect(issue.line == Fixtures.line(of: "[robots]", in: yaml))
    }

    @Test func cookieWithoutCategoryAndWithUnknownPurpose() throws {
        let yaml = Fixtures.replacing("    category: necessary\n    purpose: account", with: "    purpose: acount")
        let issues = Fixtures.issues(yaml)
        let missing = try #require(Fixtures.issue("missing required field 'category'", in: issues))
        #expect(missing.line == Fixtures.line(of: "name: steward_session", in: yaml))
        #expect(missing.path == "cookies[0].category")
        let purpose = try #require(Fixtures.issue("purpose 'acount' is not declared", in: issues))
        #expect(purpose.line == Fixtures.line(of: "purpose: acount", in: yaml))
    }

    @Test func cookieInAnUnknownCategory() throws {
        let yaml = Fixtures.replacing("category: necessary", with: "category: tracking")
        let issue = try #require(Fixtures.issue("'tracking' is not a valid category", in: Fixtures.issues(yaml)))
        #expect(issue.line == Fixtures.line(of: "category: tracking", in: yaml))
        #expect(issue.message.contains("necessary, preferences, analytics, marketing"))
    }

    @Test func recipientWithoutLocation() throws {
        let yaml = Fixtures.replacing("    location: EU\n", with: "")
        let issue = try #require(Fixtures.issue("missing required field 'location'", in: Fixtures.issues(yaml)))
        #expect(issue.line == Fixtures.line(of: "name: Mail provider", in: yaml))
        #expect(issue.path == "recipients[0].location")
    }

    // promise: MB-12
    @Test func transferOutsideTheEEANeedsASafeguardAndIsPublished() throws {
        let yaml = Fixtures.replacing("location: EU", with: "location: US")
        let issue = try #require(Fixtures.issue("is in US, outside the EU/EEA", in: Fixtures.issues(yaml)))
        #expect(issue.line == Fixtures.line(of: "location: US", in: yaml))
        let fixed = Fixtures.replacing("location: EU", with: "location: US\n    transferSafeguard: Standard contractual clauses 2021/914")
        let declaration = try PrivacyDeclaration.load(yaml: fixed)
        let html = PolicyRenderer.html(declaration)
        #expect(html.contains("Standard contractual clauses 2021/914"))
        #expect(html.contains("id=\"transfers\""))
    }

    /// A zero period would delete records as they are written, and one over 100 years is a typo: both are refused
    /// with the line to fix, as is a period that is not a duration.
    @Test(arguments: [
        ("P0D", "is zero: the retention job would delete 'user.telemetry' as soon as it is written"),
        ("PT0S", "is zero"),
        ("P101Y", "is longer than P100Y (100 years); use account-lifetime"),
        ("1 year", "must be an ISO 8601 duration such as P30D or P2Y, or account-lifetime"),
    ])
    func retentionPeriodsThatCannotBeEnforced(period: String, message: String) throws {
        let yaml = Fixtures.replacing("{category: user.telemetry, period: P1Y", with: "{category: user.telemetry, period: \(period)")
        let issue = try #require(Fixtures.issue(message, in: Fixtures.issues(yaml)))
        #expect(issue.line == Fixtures.line(of: "{category: user.telemetry, period: \(period)", in: yaml))
        #expect(issue.message.contains("'\(period)'"))
        #expect(throws: (any Error).self) { try PrivacyDeclaration.load(yaml: yaml) }
    }

    /// Hourly and daily totals are kept only for aggregated readings, both named, finite and not shorter than what
    /// they outlive; the policy then says how long each is kept.
    @Test(arguments: [
        ("then: aggregate, hourlyUntil: P2Y}", "give both hourlyUntil and dailyUntil"),
        ("then: aggregate, hourlyUntil: P2Y, dailyUntil: P1Y}", "must not get shorter in that order"),
        ("then: aggregate, hourlyUntil: P6M, dailyUntil: P5Y}", "must not get shorter in that order"),
        ("then: aggregate, hourlyUntil: soon, dailyUntil: P5Y}", "hourlyUntil 'soon' must be an ISO 8601 duration"),
        ("then: delete, hourlyUntil: P2Y, dailyUntil: P5Y}", "so remove them or use then: aggregate"),
    ])
    func rollupPeriodsThatCannotBeEnforced(rule: String, message: String) throws {
        let line = "{category: user.telemetry, period: P1Y, \(rule)"
        let yaml = Fixtures.replacing("{category: user.telemetry, period: P1Y, then: aggregate}", with: line)
        let issue = try #require(Fixtures.issue(message, in: Fixtures.issues(yaml)))
        #expect(issue.line == Fixtures.line(of: line, in: yaml))
        #expect(throws: (any Error).self) { try PrivacyDeclaration.load(yaml: yaml) }
    }

    @Test func rollupPeriodsArePublished() throws {
        let yaml = Fixtures.replacing(
            "{category: user.telemetry, period: P1Y, then: aggregate}",
            with: "{category: user.telemetry, period: P1Y, then: aggregate, hourlyUntil: P2Y, dailyUntil: P5Y}")
        let declaration = try PrivacyDeclaration.load(yaml: yaml)
        let rule = try #require(declaration.retention.first { $0.category == "user.telemetry" })
        #expect(rule.outcomeWords == "aggregate (hourly totals per device kept until 2 years, daily totals until 5 years)")
    }

    @Test func retentionForAnUndeclaredCategory() throws {
        let yaml = Fixtures.replacing("{category: user.telemetry, period: P1Y", with: "{category: user.telemetri, period: P1Y")
        let issue = try #require(Fixtures.issue("retention rule for category 'user.telemetri' is not declared", in: Fixtures.issues(yaml)))
        #expect(issue.line == Fixtures.line(of: "user.telemetri,", in: yaml))
    }

    @Test func consentBasisAndNeedsConsentMustAgree() throws {
        let yaml = Fixtures.replacing("    needsConsent: true\n", with: "    needsConsent: false\n")
        let issue = try #require(Fixtures.issue("rests on consent, so needsConsent must be true", in: Fixtures.issues(yaml)))
        let lines = yaml.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[issue.line - 1].contains("needsConsent: false"))
        #expect(issue.path == "purposes[2].needsConsent")

        let reverse = Fixtures.replacing("legalBasis: contract\n    categories: [user.contact.email]\n    subjects: [customer]\n    needsConsent: false",
                                         with: "legalBasis: contract\n    categories: [user.contact.email]\n    subjects: [customer]\n    needsConsent: true")
        let other = try #require(Fixtures.issue("needs consent but its legalBasis is contract", in: Fixtures.issues(reverse)))
        #expect(other.path == "purposes[0].needsConsent")
        #expect(reverse.split(separator: "\n", omittingEmptySubsequences: false)[other.line - 1].contains("needsConsent: true"))
    }

    @Test func duplicateKeysAndFields() throws {
        let yaml = Fixtures.replacing("  - key: user.telemetry\n    name: Readings",
                                      with: "  - key: user.location.precise\n    name: Readings")
        let issue = try #require(Fixtures.issue("duplicate category 'user.location.precise'", in: Fixtures.issues(yaml)))
        #expect(issue.line == Fixtures.line(of: "name: Readings", in: yaml) - 1)
        #expect(issue.message.contains("first declared on line \(Fixtures.line(of: "key: user.location.precise", in: yaml))"))

        let field = Fixtures.replacing("  name: Test Operator\n", with: "  name: Test Operator\n  name: Other Operator\n")
        let duplicate = try #require(Fixtures.issue("duplicate field 'name'", in: Fixtures.issues(field)))
        #expect(duplicate.line == Fixtures.line(of: "Other Operator", in: field))
    }

    @Test func unknownFieldsSuggestTheNearestName() throws {
        let yaml = Fixtures.replacing("    legalBasis: consent", with: "    legalBasis: consent\n    neesConsent: true")
        let issue = try #require(Fixtures.issue("unknown field 'neesConsent'", in: Fixtures.issues(yaml)))
        #expect(issue.message.contains("did you mean 'needsConsent'?"))
        #expect(issue.line == Fixtures.line(of: "neesConsent", in: yaml))
        #expect(issue.column == 5)

        let far = Fixtures.replacing("effectiveDate:", with: "colour: blue\neffectiveDate:")
        let unknown = try #require(Fixtures.issue("unknown field 'colour'", in: Fixtures.issues(far)))
        #expect(unknown.line == 2)
    }

    @Test func missingRequiredFields() throws {
        let yaml = Fixtures.replacing("  email: privacy@test.invalid\n", with: "")
        let issue = try #require(Fixtures.issue("missing required field 'email'", in: Fixtures.issues(yaml)))
        #expect(issue.path == "controller.email")
        #expect(issue.line == Fixtures.line(of: "name: Test Operator", in: yaml))
        let noVersion = Fixtures.replacing("version: \"2027-01-01\"\n", with: "")
        #expect(Fixtures.issue("missing required field 'version'", in: Fixtures.issues(noVersion))?.line == 1)
    }

    @Test func narrowingARightNeedsExplicitConsent() throws {
        let entry = "  - {version: \"2027-01-01\", date: \"2027-01-01\", material: true, summary: First version.}"
        let yaml = Fixtures.replacing(entry, with: entry.replacingOccurrences(of: "material: true", with: "material: true, narrowsRights: true"))
        let issue = try #require(Fixtures.issue("narrows a right", in: Fixtures.issues(yaml)))
        #expect(issue.line == Fixtures.line(of: "narrowsRights: true", in: yaml))
        let accepted = Fixtures.replacing(entry, with: entry.replacingOccurrences(of: "material: true", with: "material: true, narrowsRights: true, acceptedByExplicitConsent: true"))
        #expect(throws: Never.self) { try PrivacyDeclaration.load(yaml: accepted) }
    }

    @Test func newestChangeMustBeTheCurrentVersion() throws {
        let yaml = Fixtures.replacing("version: \"2027-01-01\"\neffectiveDate", with: "version: \"2027-02-01\"\neffectiveDate")
        let issue = try #require(Fixtures.issue("the declaration is version 2027-02-01", in: Fixtures.issues(yaml)))
        #expect(issue.line == Fixtures.line(of: "summary: First version.", in: yaml))
    }

    @Test func usedSensitiveCategoryNeedsRetention() throws {
        let yaml = Fixtures.replacing("  - {category: user.location.precise, period: P90D, then: delete}\n", with: "")
        let issues = Fixtures.issues(yaml)
        let issue = try #require(Fixtures.issue("sensitive category 'user.location.precise'", in: issues))
        #expect(issue.line == Fixtures.line(of: "- key: user.location.precise", in: yaml))
        #expect(Fixtures.issue("Storage period or criteria", in: issues) != nil)
    }

    @Test func art1314GapsAreIssues() throws {
        let yaml = Fixtures.replacing("  - {key: restriction, page: /account/privacy/restrict}\n", with: "")
        let issue = try #require(Fixtures.issue("Right to restriction of processing", in: Fixtures.issues(yaml)))
        #expect(issue.line == Fixtures.line(of: "rights:", in: yaml))
        var declaration = try PrivacyDeclaration.load(yaml: Fixtures.minimalYAML)
        declaration.automatedDecisionMaking = ""
        let present = Art1314Checklist.check(declaration).filter { !$0.present }.map(\.item)
        #expect(present == [Art1314Checklist.Item.automatedDecisions.title])
    }

    @Test func allIssuesAreReportedTogetherInSourceOrder() {
        var yaml = Fixtures.replacing("categories: [user.contact.email]\n    subjects", with: "categories: [user.nope]\n    subjects")
        yaml = Fixtures.replacing("location: EU", with: "location: CN", in: yaml)
        yaml = Fixtures.replacing("lifetime: P7D", with: "lifetime: forever", in: yaml)
        let issues = Fixtures.issues(yaml)
        #expect(issues.count >= 3)
        #expect(issues.map(\.line) == issues.map(\.line).sorted())
    }

    @Test func yamlSyntaxErrorsNameTheLine() {
        let yaml = "version: \"1\"\ncontroller:\n  name: [unclosed\n  email: x\n"
        #expect {
            try PrivacyDeclaration.load(yaml: yaml)
        } throws: { error in
            guard case DeclarationError.unreadable(let reason) = error else { return false }
            return reason.contains("line ")
        }
    }
}
