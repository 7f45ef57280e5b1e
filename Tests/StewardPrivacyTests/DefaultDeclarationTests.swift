import StewardAuth
import StewardPrivacy
import Testing

/// The declaration Steward ships must load, validate cleanly and describe Steward's real processing.
@Suite struct DefaultDeclarationTests {
    @Test func bundledDefaultLoadsWithNoIssues() throws {
        let declaration = try PrivacyDeclaration.load(yaml: PrivacyDeclaration.bundledDefaultYAML)
        #expect(declaration.validate().isEmpty)
        #expect(declaration.version == "2026-11-01")
        #expect(declaration.effectiveDate == "2026-11-01")
        #expect(declaration.changeLog.first?.material == true)
        #expect(PrivacyDeclaration.bundledDefault == declaration)
    }

    @Test func minimalFixtureLoads() throws {
        let declaration = try PrivacyDeclaration.load(yaml: Fixtures.minimalYAML)
        #expect(declaration.purposes.count == 3)
    }

    @Test func art1314ChecklistIsCompleteForTheDefault() {
        let checklist = Art1314Checklist.check(PrivacyDeclaration.bundledDefault)
        #expect(checklist.count == Art1314Checklist.Item.allCases.count)
        for entry in checklist { #expect(entry.present, "missing: \(entry.item)") }
    }

    @Test func declaresTheCookiesTheConsoleSets() {
        let cookies = PrivacyDeclaration.bundledDefault.cookies
        #expect(cookies.map(\.name) == ["steward_session", "steward_csrf", "steward_consent"])
        #expect(cookies.allSatisfy { $0.category == .necessary })
    }

    @Test func optionalPurposesRestOnConsentAndYieldToSignals() throws {
        let d = PrivacyDeclaration.bundledDefault
        for key in ["analytics", "marketing"] {
            let purpose = try #require(d.purpose(key))
            #expect(purpose.legalBasis == .consent && purpose.needsConsent && purpose.optional)
            #expect(purpose.offByGPC && purpose.offByDNT)
        }
        #expect(d.purposes.filter { $0.needsConsent }.count == 2)
    }

    @Test func ageOfConsentMatchesTheSignUpAgeGate() throws {
        let d = PrivacyDeclaration.bundledDefault
        for gate in AgeGate.jurisdictions {
            let rule = try #require(d.jurisdiction(forCountry: gate.code), "no rule for \(gate.code)")
            #expect(rule.ageOfConsent == gate.ageOfConsent, "\(gate.code): \(rule.code) says \(rule.ageOfConsent)")
        }
        let gdpr = try #require(d.jurisdiction(forCountry: "DE"))
        #expect(gdpr.deadlineUnit == .months && (gdpr.requestDeadline, gdpr.extension, gdpr.extensionNotice) == (1, 2, 1))
        let ccpa = try #require(d.jurisdiction(forCountry: "US"))
        #expect(ccpa.code == "CCPA" && ccpa.requestDeadline == 45 && ccpa.extension == 45)
        #expect(ccpa.acknowledgementBusinessDays == 10 && ccpa.saleOptInAge == 16)
        #expect(d.jurisdiction(forCountry: "JP")?.code == "OTHER")
    }

    @Test func ancestorsCoverDescendantsOnly() {
        let d = PrivacyDeclaration.bundledDefault
        #expect(d.isAncestor("user.contact", of: "user.contact.email"))
        #expect(d.isAncestor("user.contact.email", of: "user.contact.email"))
        #expect(!d.isAncestor("user.contact", of: "user.contactless"))
        #expect(!d.isAncestor("user.contact.email", of: "user.contact"))
        #expect(!d.isAncestor("", of: "user"))
    }

    @Test func telemetryKeysMapToCategories() {
        let d = PrivacyDeclaration.bundledDefault
        for key in ["lat", "lon", "latitude", "Longitude", "gps_fix", "lng"] {
            let category = d.category(forTelemetryKey: key)
            #expect(category.key == "user.location.precise", "\(key)")
            #expect(category.sensitive)
        }
        #expect(d.category(forTelemetryKey: "temperature").key == "user.telemetry")
        #expect(d.category(forTelemetryKey: "latency").key == "user.telemetry")
        #expect(d.category(forTelemetryKey: "heartRate").key == "user.health_and_medical")
    }

    @Test func profileRulesWinOverPatternRules() {
        let d = PrivacyDeclaration.bundledDefault
        #expect(d.category(forTelemetryKey: "motion").key == "user.sensor.presence")
        #expect(d.category(forTelemetryKey: "motion", profile: "wearable").key == "user.health_and_medical")
        #expect(d.category(forTelemetryKey: "temperature", profile: "wearable").key == "user.health_and_medical")
        #expect(d.category(forTelemetryKey: "lat", profile: "wearable").key == "user.location.precise")
        #expect(d.category(forTelemetryKey: "temperature", profile: "thermostat").key == "user.telemetry")
    }

    @Test func retentionFallsBackToTheNearestAncestor() throws {
        let d = try PrivacyDeclaration.load(yaml: Fixtures.minimalYAML)
        #expect(d.retentionRule(for: "user.telemetry.extra")?.category == "user.telemetry")
        #expect(d.retentionRule(for: "user.contact.email")?.period == "account-lifetime")
        #expect(d.retentionRule(for: "user.name") == nil)
    }
}

/// The look-ups the purpose check, the banner and start-up warnings use.
@Suite struct DeclarationQueryTests {
    let declaration = PrivacyDeclaration.bundledDefault

    @Test func purposesDeclareTheirCategories() {
        #expect(declaration.declares(purpose: "devices", category: "user.location.precise"))
        #expect(!declaration.declares(purpose: "marketing", category: "user.location.precise"))
        #expect(!declaration.declares(purpose: "nonexistent", category: "user.name"))
    }

    @Test func signalsSwitchOffTheOptionalPurposes() {
        #expect(declaration.purposesOff(gpc: true, dnt: false).map(\.key) == ["analytics", "marketing"])
        #expect(declaration.purposesOff(gpc: false, dnt: true).map(\.key) == ["analytics", "marketing"])
        #expect(declaration.purposesOff(gpc: false, dnt: false).isEmpty)
    }

    @Test func placeholdersAreListedForTheOperator() throws {
        let placeholders = declaration.placeholders()
        #expect(placeholders.contains { $0.path == "controller.name" && $0.line > 0 })
        #expect(placeholders.contains { $0.path == "recipients[0].name" })
        #expect(try PrivacyDeclaration.load(yaml: Fixtures.minimalYAML).placeholders().isEmpty)
    }
}
