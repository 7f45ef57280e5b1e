import Foundation
import GRDB
import StewardCore
@testable import StewardSQLite
import StewardStore
import Synchronization
import Testing

@testable import StewardAuth

@Suite struct UnopenedAccountSweeperTests {
    let store: SQLiteStore
    let clock = TestClock(1_790_000_000_000)
    let configuration = IdentityConfiguration(publicURL: "http://steward.test")

    init() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("steward-sweep-\(UUID().uuidString)").path
        store = try SQLiteStore(directory: directory, durability: .normal)
    }

    var now: @Sendable () -> Int64 { clock.now }

    func signUp(_ email: String, birthYear: Int, parent: String?) async throws {
        let service = SignUpService(store: store, hasher: PasswordHasher(cost: 4), configuration: configuration, now: now)
        try await service.signUp(
            SignUpRequest(
                name: "Kid", email: email, password: "a sturdy passphrase", jurisdiction: "DE", birthYear: birthYear,
                parentEmail: parent, agreedToPolicyVersion: configuration.policyVersion, ip: "192.0.2.1", client: "test"))
    }

    // promise: MB-22
    @Test func aChildAccountWithoutParentalConsentIsDeletedWhenTheParentLinkExpires() async throws {
        try await signUp("kid@example.com", birthYear: 2018, parent: "parent@example.com")
        let kid = try #require(try await store.account(email: "kid@example.com"))
        #expect(kid.details.ageBasis == AgeBasis.parentPending)
        let sweeper = UnopenedAccountSweeper(store: store, configuration: configuration, now: now)

        #expect(try await sweeper.sweep() == 0)  // still within the parent's week
        clock.advance(milliseconds: configuration.parentLinkLifetime + 1)
        #expect(try await sweeper.sweep() == 1)

        #expect(try await store.account(email: "kid@example.com") == nil)
        #expect(try await store.tenant(id: try #require(kid.user.tenantID)) == nil)
        let leftovers = try await store.pool.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM policy_agreement WHERE user_id = ?", arguments: [kid.user.id.description])
        }
        #expect(leftovers == 0)
        let audit = try await store.auditEntries(tenant: nil, subject: kid.user.id, event: "account.deleted-unopened", limit: 5)
        #expect(audit.count == 1)
        #expect(try await store.verifyAuditChain() == .intact(entries: 2))
    }

    @Test func openAccountsAreNeverSwept() async throws {
        try await signUp("adult@example.com", birthYear: 1980, parent: nil)
        let adult = try #require(try await store.account(email: "adult@example.com"))
        try await store.apply([.setStatus(adult.user.id, .active)])
        clock.advance(milliseconds: 30 * 86_400_000)
        #expect(try await UnopenedAccountSweeper(store: store, configuration: configuration, now: now).sweep() == 0)
        #expect(try await store.account(email: "adult@example.com") != nil)
    }
}
