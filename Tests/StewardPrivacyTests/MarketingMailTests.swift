import Foundation
import GRDB
import StewardAuth
import StewardCore
@testable import StewardSQLite
import StewardStore
import Testing

@testable import StewardPrivacy

@Suite struct MarketingMailTests {
    let store: SQLiteStore
    let reader: User
    let silent: User
    let client = ClientInfo(ip: "198.51.100.7", client: "tests")
    let key: [UInt8] = Array(repeating: 7, count: 32)

    init() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("steward-news-\(UUID().uuidString)").path
        store = try SQLiteStore(directory: directory, durability: .normal)
        let tenant = Tenant(name: "Acme", createdTime: 1)
        try await store.createTenant(tenant)
        reader = User(tenantID: tenant.id, customerID: nil, email: "reader@example.com", authority: .tenantAdmin, createdTime: 1)
        silent = User(tenantID: tenant.id, customerID: nil, email: "silent@example.com", authority: .tenantAdmin, createdTime: 2)
        try await store.createUser(reader, passwordHash: "x")
        try await store.createUser(silent, passwordHash: "x")
        try await ConsentLedger(store: store, declaration: .bundledDefault).decide(
            reader, purpose: "marketing", give: true, method: .form, signals: .none, confirmedOverSignal: false, from: client)
    }

    func news(at time: Int64, declaration: PrivacyDeclaration = .bundledDefault) -> MarketingMail {
        MarketingMail(store: store, declaration: declaration, publicURL: "https://steward.test", linkKey: key, now: { time })
    }

    func outbox() async throws -> [Row] {
        try await store.pool.read { db in try Row.fetchAll(db, sql: "SELECT * FROM mail_outbox ORDER BY id") }
    }

    // promise: MS-22
    @Test func onlyThoseWhoConsentedGetNewsWithAOneClickUnsubscribe() async throws {
        #expect(try await news(at: 1_000).announce(subject: "New dashboards", text: "They are here.") == .init(sent: 1, skipped: 1))
        let mails = try await outbox()
        #expect(mails.count == 1)
        #expect(mails[0]["recipient"] as String == reader.email)
        let headers: String = mails[0]["headers"]
        let link = news(at: 0).unsubscribeLink(reader.id)
        #expect(headers.contains("List-Unsubscribe-Post") && headers.contains("List-Unsubscribe=One-Click") && headers.contains(link))
        #expect((mails[0]["text_body"] as String).contains(link))
        #expect(mails[0]["html_body"] as String? == nil)
    }

    // promise: TB-11
    @Test func theUnsubscribeLinkWithdrawsAtOnceAndATamperedOneDoesNothing() async throws {
        let link = try #require(URLComponents(string: news(at: 0).unsubscribeLink(reader.id)))
        let query = Dictionary(uniqueKeysWithValues: (link.queryItems ?? []).map { ($0.name, $0.value ?? "") })
        let mail = news(at: 2_000)
        #expect(mail.verify(user: query["u"]!, purpose: query["p"]!, signature: query["t"]!) == reader.id)
        #expect(mail.verify(user: silent.id.description, purpose: query["p"]!, signature: query["t"]!) == nil)
        #expect(mail.verify(user: query["u"]!, purpose: "analytics", signature: query["t"]!) == nil)
        #expect(try await mail.unsubscribe(reader.id, from: client))
        #expect(try await !mail.unsubscribe(reader.id, from: client))
        let ledger = ConsentLedger(store: store, declaration: .bundledDefault)
        #expect(try await ledger.current(reader.id)["marketing"]?.method == .unsubscribe)
        #expect(try await news(at: 1_000).announce(subject: "More", text: "Text") == .init(sent: 0, skipped: 2))
    }

    // promise: HA-10
    @Test func announcementsAreRare() async throws {
        _ = try await news(at: 1_000).announce(subject: "One", text: "Text")
        await #expect(throws: StewardError.self) { try await news(at: 1_000 + 29 * 86_400_000).announce(subject: "Two", text: "Text") }
        #expect(try await outbox().count == 1)
        #expect(try await news(at: 1_000 + 30 * 86_400_000).announce(subject: "Two", text: "Text").sent == 1)
    }

    // promise: TB-7
    @Test func noNewsWithoutADeclaredMailProcessorForMarketing() async throws {
        var declaration = PrivacyDeclaration.bundledDefault
        for index in declaration.recipients.indices { declaration.recipients[index].purposes.removeAll { $0 == "marketing" } }
        await #expect(throws: StewardError.self) { try await news(at: 1_000, declaration: declaration).announce(subject: "S", text: "T") }
        #expect(try await outbox().isEmpty)
        #expect(throws: StewardError.self) {
            try RecipientRegister(declaration: declaration).require(
                "Courts and authorities", kind: .authority, purpose: "legal_requests", categories: ["user.location.precise"])
        }
    }

    @Test func badAnnouncementsAreRefused() async throws {
        await #expect(throws: StewardError.self) { try await news(at: 1_000).announce(subject: "  ", text: "Text") }
        await #expect(throws: StewardError.self) { try await news(at: 1_000).announce(subject: "Two\nlines", text: "Text") }
        await #expect(throws: StewardError.self) { try await news(at: 1_000).announce(subject: "Fine", text: "") }
        #expect(try await store.lastAnnouncement() == nil)
    }
}
