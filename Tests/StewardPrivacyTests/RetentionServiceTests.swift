import Foundation
import StewardAuth
import StewardCore
import StewardSQLite
import StewardStore
import Testing

@testable import StewardPrivacy

/// The bundled declaration's periods applied to a real SQLite store at a chosen time: what is older than its period
/// goes, in batches, what is younger stays, a dry run changes nothing, and the run is in the audit trail.
@Suite struct RetentionServiceTests {
    static let day: Int64 = 86_400_000
    /// 2026-12-07 00:00 UTC.
    static let now: Int64 = 1_796_601_600_000

    let directory: String
    let store: SQLiteStore
    let ada: User

    init() async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("steward-retention-\(UUID().uuidString)").path
        store = try SQLiteStore(directory: directory, durability: .normal, masterKey: Array(repeating: 7, count: 32))
        let tenant = Tenant(name: "Ada's workspace", createdTime: 1)
        try await store.createTenant(tenant)
        ada = User(tenantID: tenant.id, customerID: nil, email: "ada@example.com", authority: .tenantAdmin, createdTime: 1)
        try await store.createUser(ada, passwordHash: "x")
    }

    func service(batchSize: Int = 2) -> RetentionService {
        RetentionService(
            store: store, identity: store, declaration: .bundledDefault, now: { Self.now }, batchSize: batchSize)
    }

    func signIn(daysAgo: Int64) -> IdentityChange {
        .recordSignIn(
            SignInRecord(
                time: Self.now - daysAgo * Self.day, email: "ada@example.com", userID: ada.id, ip: "198.51.100.7",
                clientKey: nil, client: "Firefox/140", outcome: .success))
    }

    // promise: MB-14
    @Test func signInsOlderThanNinetyDaysGoAndTheRunIsAudited() async throws {
        // Seven sign-ins past the 90 days (more than three batches of two), two within them.
        try await store.apply([91, 95, 100, 120, 200, 365, 700].map { signIn(daysAgo: $0) } + [89, 1].map { signIn(daysAgo: $0) })

        let dry = try await service().run(dryRun: true, credential: "cli")
        let dryRow = try #require(dry.rows.first { $0.records == "signIns" })
        #expect(dryRow.affected == 7)
        #expect(dryRow.period == "P90D")
        #expect(try await store.signIns(of: ada.id, limit: 100).count == 9)
        #expect(try await store.auditEntries(tenant: nil, subject: nil, event: "retention.run", limit: 5).isEmpty)

        let report = try await service().run(dryRun: false, credential: "cli")
        let row = try #require(report.rows.first { $0.records == "signIns" })
        #expect(row.affected == 7)
        #expect(row.category == "user.account.sign_in_history")
        #expect(row.oldest == Self.now - 89 * Self.day)
        let left = try await store.signIns(of: ada.id, limit: 100).map(\.time)
        #expect(left == [Self.now - 1 * Self.day, Self.now - 89 * Self.day])

        let audit = try await store.auditEntries(tenant: nil, subject: nil, event: "retention.run", limit: 5)
        #expect(audit.count == 1)
        #expect(audit.first?.event.credential == "cli")
        #expect(
            audit.first?.event.detail.contains(
                "user.account.sign_in_history signIns delete P90D affected=7 oldest=\(Self.now - 89 * Self.day)") == true)

        // A second run finds nothing more to do, and leaves no entry.
        #expect(try await service().run(dryRun: false, credential: "retention").rows.first { $0.records == "signIns" }?.affected == 0)
        #expect(try await store.auditEntries(tenant: nil, subject: nil, event: "retention.run", limit: 5).count == 1)
    }

    /// A session still open after 100 days keeps working, but the address it was opened from is cut to its network
    /// and the browser description is gone (user.device.ip_address: P90D anonymize; user.device.client: P90D delete);
    /// one opened 10 days ago keeps both.
    // promise: MB-14
    @Test func addressesAndClientsPastNinetyDaysAreCutInLiveSessions() async throws {
        func session(_ id: String, daysAgo: Int64, ip: String) -> Session {
            Session(
                id: id, secretHash: "hash-\(id)", userID: ada.id, kind: .web, stage: .complete, csrfSecret: "csrf",
                createdTime: Self.now - daysAgo * Self.day, lastSeenTime: Self.now, expiresTime: Self.now + Self.day, ip: ip,
                client: "Firefox/140 on Linux")
        }
        try await store.apply([
            .createSession(session("old-v4", daysAgo: 100, ip: "198.51.100.77")),
            .createSession(session("old-v6", daysAgo: 120, ip: "2001:db8:aa:bb::1")),
            .createSession(session("recent", daysAgo: 10, ip: "203.0.113.5")),
        ])
        let report = try await service().run(dryRun: false, credential: "cli")
        #expect(report.rows.first { $0.records == "sessionAddress" }?.affected == 2)
        #expect(report.rows.first { $0.records == "sessionAddress" }?.rule == .anonymize)
        #expect(report.rows.first { $0.records == "sessionClient" }?.affected == 2)
        #expect(try await store.session(id: "old-v4")?.ip == "198.51.100.0/24")
        #expect(try await store.session(id: "old-v6")?.ip == "2001:db8:aa::/48")
        #expect(try await store.session(id: "old-v4")?.client == "")
        #expect(try await store.session(id: "recent")?.ip == "203.0.113.5")
        #expect(try await store.session(id: "recent")?.client == "Firefox/140 on Linux")
        // Live sessions stay (only ended ones are deleted, 30 days after).
        #expect(report.rows.first { $0.records == "sessions" }?.affected == 0)
        // Nothing is cut twice.
        #expect(try await service().run(dryRun: false, credential: "cli").rows.first { $0.records == "sessionAddress" }?.affected == 0)
    }

    /// Categories kept for the account's lifetime are not swept and say so; those whose records this version does not
    /// sweep yet say that, never a count.
    // promise: MS-11
    @Test func unsweptCategoriesSayWhy() async throws {
        let report = try await service().run(dryRun: true, credential: "cli")
        let name = try #require(report.rows.first { $0.category == "user.name" })
        #expect(name.note == "kept until the account is deleted")
        #expect(name.affected == nil)
        let behaviour = try #require(report.rows.first { $0.category == "user.behavior" })
        #expect(behaviour.note == "not swept by this version of Steward yet")
        #expect(behaviour.affected == nil)
        // Readings under an aggregate rule are swept (folded into statistics first).
        let telemetry = try #require(report.rows.first { $0.category == "user.telemetry" })
        #expect(telemetry.records == "readings")
        #expect(telemetry.rule == .aggregate)
        #expect(telemetry.affected == 0)
        // Readings written with a time to live have their own row.
        #expect(report.rows.contains { $0.category == "reading TTL" && $0.affected == 0 })
        #expect(report.rows.contains { $0.records == "mail" && $0.affected == 0 })
        #expect(report.rows.contains { $0.records == "sessions" })
    }

    /// Accounts whose email was never confirmed go with the run once their link has expired (the sweep's own audit
    /// entry names each); a dry run counts them and keeps them.
    @Test func unopenedAccountsGoWithTheRun() async throws {
        let configuration = IdentityConfiguration(publicURL: "http://steward.test")
        let signUp = SignUpService(
            store: store, hasher: PasswordHasher(cost: 4), configuration: configuration, now: { Self.now - 8 * Self.day })
        try await signUp.signUp(
            SignUpRequest(
                name: "Bo", email: "bo@example.com", password: "a sturdy passphrase", jurisdiction: "DE", birthYear: 1990,
                parentEmail: nil, agreedToPolicyVersion: configuration.policyVersion, ip: "192.0.2.1", client: "test"))
        let retention = RetentionService(
            store: store, identity: store, declaration: .bundledDefault,
            unopened: UnopenedAccountSweeper(store: store, configuration: configuration), now: { Self.now })

        let dry = try await retention.run(dryRun: true, credential: "cli")
        #expect(dry.rows.first { $0.category == "unopened accounts" }?.affected == 1)
        #expect(try await store.account(email: "bo@example.com") != nil)

        let report = try await retention.run(dryRun: false, credential: "cli")
        let row = try #require(report.rows.first { $0.category == "unopened accounts" })
        #expect(row.affected == 1)
        #expect(row.period == "P7D")
        #expect(row.oldest == nil)
        #expect(try await store.account(email: "bo@example.com") == nil)
        #expect(try await store.auditEntries(tenant: nil, subject: nil, event: "account.deleted-unopened", limit: 5).count == 1)
    }

    /// Request records past the declared 14 days are folded into daily counts by the run (promise MS-4's short
    /// retention); younger ones stay as they are.
    // promise: MS-4
    @Test func diagnosticsPastTheirPeriodAreFoldedByTheRun() async throws {
        func event(_ id: String, daysAgo: Int64) -> DiagnosticEvent {
            DiagnosticEvent(
                id: id, time: Self.now - daysAgo * Self.day, method: "GET", route: "/devices", status: 200, durationMillis: 4,
                browser: "Firefox", os: "Linux", appVersion: "", network: "198.51.100.0/24")
        }
        let events = [event("d-aaaaaaaaaa", daysAgo: 15), event("d-bbbbbbbbbb", daysAgo: 20), event("d-cccccccccc", daysAgo: 2)]
        try await store.recordDiagnostics(events, days: [])
        let retention = RetentionService(
            store: store, identity: store, declaration: .bundledDefault, diagnostics: DiagnosticsService(store: store), now: { Self.now })

        let dry = try await retention.run(dryRun: true, credential: "cli")
        #expect(dry.rows.first { $0.records == "diagnostics" }?.affected == 2)
        let report = try await retention.run(dryRun: false, credential: "cli")
        let row = try #require(report.rows.first { $0.records == "diagnostics" })
        #expect(row.category == "user.diagnostics")
        #expect(row.rule == .aggregate)
        #expect(row.affected == 2)
        let left = try await store.diagnosticEvents(from: 0, to: Self.now + 1, limit: 10).map(\.id)
        #expect(left == ["d-cccccccccc"])
        #expect(try await store.diagnosticDays(from: 0, to: Self.now + 1).reduce(0) { $0 + $1.count } == 2)
    }
}
