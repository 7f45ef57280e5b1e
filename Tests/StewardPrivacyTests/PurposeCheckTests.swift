import Foundation
import GRDB
import StewardAuth
import StewardCore
@testable import StewardSQLite
import StewardStore
import Testing

@testable import StewardPrivacy

@Suite struct PurposeCheckTests {
    let store: SQLiteStore
    let ledger: ConsentLedger
    let check: PurposeCheck
    let user: User
    let client = ClientInfo(ip: "198.51.100.7", client: "tests")

    init() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("steward-consent-\(UUID().uuidString)").path
        store = try SQLiteStore(directory: directory, durability: .normal)
        let tenant = Tenant(name: "Acme", createdTime: 1)
        try await store.createTenant(tenant)
        user = User(tenantID: tenant.id, customerID: nil, email: "ada@example.com", authority: .tenantAdmin, createdTime: 1)
        try await store.createUser(user, passwordHash: "x")
        ledger = ConsentLedger(store: store, declaration: .bundledDefault)
        check = PurposeCheck(ledger: ledger)
    }

    func refusals() async throws -> [AuditEntry] {
        try await store.auditEntries(tenant: nil, subject: user.id, event: "purpose.refused", limit: 50)
    }

    // promise: MB-1
    @Test func aCategoryUsedForAnUndeclaredPurposeIsRefusedAndLogged() async throws {
        await #expect(throws: StewardError.self) {
            try await check.require(purpose: "account", category: "user.location.precise", user: user)
        }
        await #expect(throws: StewardError.self) {
            try await check.require(purpose: "resale", category: "user.contact.email", user: user)
        }
        let logged = try await refusals()
        #expect(logged.count == 2)
        #expect(logged.last?.event.detail.contains("account on user.location.precise") == true)
        // A declared use of a contract purpose needs no consent.
        try await check.require(purpose: "account", category: "user.contact.email", user: user)
        #expect(try await refusals().count == 2)
    }

    // promise: MS-7
    @Test func aConsentPurposeNeedsExplicitConsentFirst() async throws {
        #expect(try await check.decide(purpose: "marketing", category: "user.contact.email", user: user) != .allowed)
        try await ledger.decide(user, purpose: "marketing", give: true, method: .form, signals: .none, confirmedOverSignal: false, from: client)
        #expect(try await check.decide(purpose: "marketing", category: "user.contact.email", user: user) == .allowed)
        // Consent to marketing is not consent to analytics.
        #expect(try await check.decide(purpose: "analytics", category: "user.behavior", user: user) != .allowed)
    }

    // promise: MB-15
    @Test func withdrawalStopsTheProcessingAtOnceAndTheLedgerKeepsBoth() async throws {
        try await ledger.decide(user, purpose: "marketing", give: true, method: .form, signals: .none, confirmedOverSignal: false, from: client)
        try await ledger.decide(user, purpose: "marketing", give: false, method: .form, signals: .none, confirmedOverSignal: false, from: client)
        await #expect(throws: StewardError.self) {
            try await check.require(purpose: "marketing", category: "user.contact.email", user: user)
        }
        let history = try await store.consentHistory(subject: ConsentRecord.subject(user.id))
        #expect(history.map(\.state) == [.withdrawn, .given])
        #expect(history.allSatisfy { $0.policyVersion == PrivacyDeclaration.bundledDefault.version && $0.networkPrefix == "198.51.100.0/24" })
        #expect(history[0].noticeHash == ledger.noticeHash(PrivacyDeclaration.bundledDefault.purpose("marketing")!))
    }

    @Test func theLedgerIsAppendOnly() async throws {
        try await ledger.decide(user, purpose: "analytics", give: true, method: .form, signals: .none, confirmedOverSignal: false, from: client)
        await #expect(throws: (any Error).self) {
            try await store.pool.write { db in try db.execute(sql: "UPDATE consent_event SET state = 'refused'") }
        }
        #expect(try await ledger.isGiven("analytics", by: user.id))
    }

    // promise: MS-9
    @Test func aSignalSwitchesConsentPurposesOffUnlessConfirmedOverIt() async throws {
        let gpc = PrivacySignals(gpc: true, dnt: false)
        try await ledger.decide(user, purpose: "analytics", give: true, method: .form, signals: .none, confirmedOverSignal: false, from: client)
        #expect(try await ledger.applySignals(gpc, for: user.id, from: client).sorted() == ["analytics", "marketing"])
        #expect(try await ledger.applySignals(gpc, for: user.id, from: client).isEmpty)  // recorded once
        #expect(try await ledger.current(user.id)["analytics"]?.state == .withdrawn)
        await #expect(throws: StewardError.self) {
            try await ledger.decide(user, purpose: "marketing", give: true, method: .form, signals: gpc, confirmedOverSignal: false, from: client)
        }
        try await ledger.decide(user, purpose: "marketing", give: true, method: .form, signals: gpc, confirmedOverSignal: true, from: client)
        #expect(try await ledger.current(user.id)["marketing"]?.method == .formOverSignal)
        #expect(try await check.decide(purpose: "marketing", category: "user.contact.email", user: user, signals: gpc) == .allowed)
        #expect(try await check.decide(purpose: "analytics", category: "user.behavior", user: user, signals: gpc) != .allowed)
    }

    // promise: MB-15
    @Test func aCookieBannerChoiceRecordsEveryBannerPurposeAndASignalWinsOverAcceptAll() async throws {
        let visitor = "visitor:abc"
        #expect(Set(ledger.bannerPurposes.map(\.key)) == ["analytics", "marketing"])
        // One purpose chosen: it is given, the other refused, both by the banner.
        #expect(try await ledger.recordBannerChoice(.only(["analytics", "no-such-purpose"]), subject: visitor, signals: .none, from: client) == ["analytics"])
        var history = try await store.consentHistory(subject: visitor)
        #expect(history.count == 2 && history.allSatisfy { $0.method == .banner })
        #expect(history.first { $0.purpose == "analytics" }?.state == .given)
        #expect(history.first { $0.purpose == "marketing" }?.state == .refused)
        // With GPC, "accept all" turns on nothing the signal switches off, and the entries say the signal decided.
        let gpc = PrivacySignals(gpc: true, dnt: false)
        #expect(try await ledger.recordBannerChoice(.acceptAll, subject: visitor, signals: gpc, from: client).isEmpty)
        history = try await store.consentHistory(subject: visitor)
        #expect(history.count == 4)
        #expect(history.prefix(2).allSatisfy { $0.state == .refused && $0.method == .gpc })
        #expect(try await ledger.recordBannerChoice(.rejectAll, subject: visitor, signals: .none, from: client).isEmpty)
    }
}
