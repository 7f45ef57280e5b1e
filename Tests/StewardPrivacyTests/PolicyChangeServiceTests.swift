import Foundation
import GRDB
import StewardAuth
import StewardCore
@testable import StewardSQLite
import StewardStore
import Testing

@testable import StewardPrivacy

@Suite struct PolicyChangeServiceTests {
    let store: SQLiteStore
    let user: User
    let client = ClientInfo(ip: "198.51.100.7", client: "tests")

    init() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("steward-policy-\(UUID().uuidString)").path
        store = try SQLiteStore(directory: directory, durability: .normal)
        let tenant = Tenant(name: "Acme", createdTime: 1)
        try await store.createTenant(tenant)
        user = User(tenantID: tenant.id, customerID: nil, email: "ada@example.com", authority: .tenantAdmin, firstName: "Ada", createdTime: 1_500)
        try await store.createUser(user, passwordHash: "x")
    }

    func service(_ declaration: PrivacyDeclaration = .bundledDefault, at time: Int64) -> PolicyChangeService {
        PolicyChangeService(store: store, declaration: declaration, publicURL: "https://steward.test", now: { time })
    }

    static func version(
        _ version: String, material: Bool, from base: PrivacyDeclaration = .bundledDefault, narrows: Bool = false
    ) -> PrivacyDeclaration {
        var declaration = base
        declaration.version = version
        declaration.effectiveDate = version
        declaration.changeLog.insert(
            PolicyChange(
                version: version, date: version, material: material, summary: "Summary of \(version).", narrowsRights: narrows,
                acceptedByExplicitConsent: narrows), at: 0)
        return declaration
    }

    func outbox() async throws -> [(String, String)] {
        try await store.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT recipient, subject FROM mail_outbox ORDER BY id").map { ($0["recipient"], $0["subject"]) }
        }
    }

    @Test func theFirstVersionIsRecordedSilentlyAndASecondRunChangesNothing() async throws {
        #expect(try await service(at: 1_000).recordLoaded() == .first)
        #expect(try await service(at: 2_000).recordLoaded() == .unchanged)
        #expect(try await store.policyVersions().map(\.version) == [PrivacyDeclaration.bundledDefault.version])
        #expect(try await outbox().isEmpty)
        #expect(try await service(at: 2_000).pendingNotice(for: try #require(await store.account(id: user.id))) == nil)
    }

    // promise: TM-18
    @Test func aMaterialChangeIsMailedExpiresConsentAndWaitsAtSignIn() async throws {
        try await service(at: 1_000).recordLoaded()
        let ledger = ConsentLedger(store: store, declaration: .bundledDefault)
        try await ledger.decide(user, purpose: "marketing", give: true, method: .form, signals: .none, confirmedOverSignal: false, from: client)
        let next = Self.version("2027-01-01", material: true)
        #expect(try await service(next, at: 5_000).recordLoaded() == .changed(mailed: 1, consentsExpired: 1))
        let mails = try await outbox()
        #expect(mails.count == 1 && mails[0].0 == user.email && mails[0].1 == "Our privacy policy changes on 2027-01-01")
        let nextLedger = ConsentLedger(store: store, declaration: next)
        #expect(try await nextLedger.current(user.id)["marketing"]?.state == .expired)
        #expect(try await !nextLedger.isGiven("marketing", by: user.id))

        let account = try #require(await store.account(id: user.id))
        let notice = try #require(await service(next, at: 6_000).pendingNotice(for: account))
        #expect(notice.changes.map(\.version) == ["2027-01-01"])
        #expect(notice.purposesToAsk.map(\.key) == ["marketing"])
        #expect(!notice.needsExplicitAgreement)
        // An unanswered purpose is refused and nothing is recorded.
        await #expect(throws: StewardError.self) {
            try await service(next, at: 6_000).acknowledge(account, notice: notice, explicitAgreement: false, answers: [:], from: client)
        }
        #expect(try await service(next, at: 6_000).pendingNotice(for: account) != nil)
        try await service(next, at: 6_000).acknowledge(
            account, notice: notice, explicitAgreement: false, answers: ["marketing": true], from: client)
        #expect(try await service(next, at: 7_000).pendingNotice(for: account) == nil)
        #expect(try await nextLedger.current(user.id)["marketing"]?.method == .policyNotice)
        #expect(try await nextLedger.isGiven("marketing", by: user.id))
    }

    @Test func anAccountCreatedAfterTheChangeSeesNoNotice() async throws {
        try await service(at: 1_000).recordLoaded()
        try await service(Self.version("2027-01-01", material: true), at: 1_200).recordLoaded()
        // The user was created at 1_500, after the new version was loaded.
        let account = try #require(await store.account(id: user.id))
        #expect(try await service(Self.version("2027-01-01", material: true), at: 2_000).pendingNotice(for: account) == nil)
    }

    // promise: MS-23
    @Test func droppingARightIsRefusedUnlessAcceptedByExplicitConsent() async throws {
        try await service(at: 1_000).recordLoaded()
        var narrowed = Self.version("2027-02-01", material: true)
        narrowed.rights.removeAll { $0.key == .objection }
        await #expect(throws: StewardError.self) { try await service(narrowed, at: 2_000).recordLoaded() }
        #expect(try await store.policyVersions().count == 1)
        #expect(try await outbox().isEmpty)

        var accepted = Self.version("2027-02-01", material: true, narrows: true)
        accepted.rights.removeAll { $0.key == .objection }
        try await service(accepted, at: 2_000).recordLoaded()
        let account = try #require(await store.account(id: user.id))
        let notice = try #require(await service(accepted, at: 3_000).pendingNotice(for: account))
        #expect(notice.needsExplicitAgreement)
        await #expect(throws: StewardError.self) {
            try await service(accepted, at: 3_000).acknowledge(account, notice: notice, explicitAgreement: false, answers: [:], from: client)
        }
        try await service(accepted, at: 3_000).acknowledge(account, notice: notice, explicitAgreement: true, answers: [:], from: client)
        #expect(try await store.agreements(of: user.id).first?.method == "explicit-consent-at-sign-in")
    }

    // promise: TM-7
    @Test func aSubprocessorChangeIsMailedEvenWhenNotMaterial() async throws {
        try await service(at: 1_000).recordLoaded()
        var next = Self.version("2027-03-01", material: false)
        next.recipients.append(
            Recipient(
                name: "Example Backups Ltd", kind: .processor, purposes: ["audit"], categories: ["system.audit"], location: "US",
                transferSafeguard: "Standard contractual clauses"))
        #expect(try await service(next, at: 2_000).recordLoaded() == .changed(mailed: 1, consentsExpired: 0))
        #expect(try await outbox().last?.1 == "Our list of subprocessors changes")
        // A non-material change puts no notice in front of anyone.
        #expect(try await service(next, at: 3_000).pendingNotice(for: try #require(await store.account(id: user.id))) == nil)
    }

    @Test func changingTheRegisterUnderTheSameVersionIsRefused() async throws {
        try await service(at: 1_000).recordLoaded()
        var edited = PrivacyDeclaration.bundledDefault
        edited.recipients.removeAll { $0.kind == .processor }
        await #expect(throws: StewardError.self) { try await service(edited, at: 2_000).recordLoaded() }
    }

    @Test func aDeactivatedAccountIsToldAndAskedAgainToo() async throws {
        try await service(at: 1_000).recordLoaded()
        try await ConsentLedger(store: store, declaration: .bundledDefault).decide(
            user, purpose: "marketing", give: true, method: .form, signals: .none, confirmedOverSignal: false, from: client)
        try await store.apply([.setStatus(user.id, .deactivated)])
        let next = Self.version("2027-04-01", material: true)
        #expect(try await service(next, at: 5_000).recordLoaded() == .changed(mailed: 1, consentsExpired: 1))
        #expect(try await !ConsentLedger(store: store, declaration: next).isGiven("marketing", by: user.id))
    }
}
