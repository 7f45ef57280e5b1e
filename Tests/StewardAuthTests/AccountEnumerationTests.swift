import Foundation
import GRDB
import StewardCore
import StewardSQLite
import StewardStore
import Testing

@testable import StewardAuth

/// Whether an address has an account must show neither in what the forms answer nor in the work done before
/// answering (issue 11): the same bcrypt work at the configured cost, the same messages, the same lockout.
@Suite struct AccountEnumerationTests {
    let fixture: IdentityFixture

    init() throws { fixture = try IdentityFixture(cost: 5) }

    func signInError(_ email: String, _ password: String, from ip: String = "198.51.100.7") async -> StewardError? {
        await stewardError {
            _ = try await fixture.signIn.signIn(email: email, password: password, kind: .web, from: fixture.client(ip))
        }
    }

    @Test func signUpHashesThePasswordOnceAtTheConfiguredCostForANewAndARegisteredAddress() async throws {
        try await fixture.makeAccount(email: "taken@example.com")
        fixture.hashWork.reset()
        try await fixture.signUp.signUp(fixture.request(email: "taken@example.com", password: "another-secret-77"))
        let forRegistered = fixture.hashWork.work

        fixture.hashWork.reset()
        try await fixture.signUp.signUp(fixture.request(email: "new@example.com", password: "another-secret-77"))
        let forNew = fixture.hashWork.work

        #expect(forRegistered == [.hash(cost: 5)])
        #expect(forNew == forRegistered)
        // Both wrote: the new address its account, the registered one the mail to its owner.
        #expect(try await fixture.mails(to: "taken@example.com").count == 1)
        #expect(try await fixture.store.account(email: "new@example.com") != nil)
    }

    @Test func signInChecksAnUnknownAddressAgainstADecoyAtTheConfiguredCost() async throws {
        try await fixture.makeAccount(email: "alice@example.com")
        fixture.hashWork.reset()
        let wrongPassword = await signInError("alice@example.com", "not-the-password-1")
        let forRegistered = fixture.hashWork.work

        fixture.hashWork.reset()
        let unknown = await signInError("nobody@example.com", "not-the-password-1")
        let forUnknown = fixture.hashWork.work

        #expect(forRegistered == [.verify(cost: 5)])
        #expect(forUnknown == forRegistered)
        #expect(wrongPassword?.message == unknown?.message)
        #expect(wrongPassword?.kind == .unauthorized && unknown?.kind == .unauthorized)
    }

    // Review finding 7: a wrong password for an account appended an audit entry, one for an unknown address did not.
    @Test func failuresForAKnownAndAnUnknownAddressAreRecordedAndAuditedAlike() async throws {
        try await fixture.makeAccount(email: "alice@example.com")
        var footprints: [[String: Int]] = []
        for email in ["alice@example.com", "nobody@example.com"] {
            var before: [String: Int] = [:]
            for table in ["sign_in", "audit_log", "address_lock"] { before[table] = try await fixture.count(table) }
            for attempt in 0..<5 { _ = await signInError(email, "wrong-password-\(attempt)") }
            var added: [String: Int] = [:]
            for table in ["sign_in", "audit_log", "address_lock"] { added[table] = try await fixture.count(table) - before[table, default: 0] }
            footprints.append(added)
        }
        // Five sign-in rows and five failure entries each, plus the lock's entry (an account's lock is a column).
        #expect(footprints[0] == ["sign_in": 5, "audit_log": 6, "address_lock": 0])
        #expect(footprints[1] == ["sign_in": 5, "audit_log": 6, "address_lock": 1])
        let anonymous = try await fixture.audit("sign-in.failure").filter { $0.event.subjectID == nil }
        #expect(anonymous.count == 5 && anonymous.allSatisfy { $0.event.detail == "unknown-account" && $0.event.tenantID == nil })
        #expect(try await fixture.audit("sign-in.locked").filter { $0.event.subjectID == nil }.count == 1)
    }

    @Test func aSuccessfulSignInRehashesAPasswordStoredAtALowerCost() async throws {
        let user = try await fixture.makeAccount(email: "alice@example.com")
        let old = await PasswordHasher(cost: 4).hash(IdentityFixture.password)
        try await fixture.store.apply([.setPasswordHash(user.id, old)])

        // A wrong password changes nothing.
        _ = await signInError("alice@example.com", "not-the-password-1")
        #expect(try await fixture.account("alice@example.com").passwordHash == old)

        fixture.hashWork.reset()
        _ = try await fixture.completeSignIn("alice@example.com")
        #expect(fixture.hashWork.work == [.verify(cost: 4), .hash(cost: 5)])
        let stored = try await fixture.account("alice@example.com").passwordHash
        #expect(PasswordHasher.cost(of: stored) == 5)

        // From then on the account verifies at the configured cost, like the decoy, and is not hashed again.
        fixture.hashWork.reset()
        _ = try await fixture.completeSignIn("alice@example.com")
        _ = await signInError("alice@example.com", "not-the-password-1")
        #expect(fixture.hashWork.work == [.verify(cost: 5), .verify(cost: 5)])
    }

    @Test func theDecoyFollowsTheConfiguredCost() async throws {
        let recorder = HashWorkRecorder()
        let hasher = PasswordHasher(cost: 6, observer: recorder.observer)
        await hasher.verifyDecoy("anything at all")
        #expect(recorder.work == [.verify(cost: 6)])
    }

    @Test func theRightPasswordOfAnUnconfirmedAccountGetsTheWrongPasswordAnswer() async throws {
        // Whoever signs up with someone else's address knows the password they chose; "confirm your email" would tell
        // them the address had no account before.
        try await fixture.signUp.signUp(fixture.request(email: "fresh@example.com"))
        try await fixture.makeAccount(email: "old@example.com")
        let unconfirmed = await signInError("fresh@example.com", IdentityFixture.password)
        let wrong = await signInError("old@example.com", "not-the-password-1")
        #expect(unconfirmed?.message == wrong?.message)
        #expect(unconfirmed?.message.contains("Confirm your email") == true)
        #expect(try await fixture.signInOutcomes(email: "fresh@example.com") == ["not-confirmed"])
    }

    @Test func anUnknownAddressIsLockedLikeARegisteredOneWithTheSameMessage() async throws {
        try await fixture.makeAccount(email: "alice@example.com")
        var registered: [String] = []
        var unknown: [String] = []
        for attempt in 0..<7 {
            registered.append(await signInError("alice@example.com", "wrong-password-\(attempt)")?.message ?? "")
            unknown.append(await signInError("nobody@example.com", "wrong-password-\(attempt)")?.message ?? "")
            fixture.clock.advance(seconds: 10)
        }
        #expect(registered == unknown)
        #expect(registered[4] == SignInService.invalidCredentials.message)
        #expect(registered[5].contains("locked") && registered[5].contains("until"))
        // Slowed down alike, too: one pause per attempt from the fourth on, for both addresses.
        #expect(fixture.pauses.pauses.count == 2 * 4)
        #expect(try await fixture.signInOutcomes(email: "nobody@example.com").suffix(2) == ["locked", "locked"])

        // The lock of the unknown address ends when an account's would.
        fixture.clock.set(IdentityFixture.start + 40_000 + 15 * 60_000)
        let after = await signInError("nobody@example.com", "wrong-password-x")
        #expect(after?.message == SignInService.invalidCredentials.message)
    }

    @Test func aResetRequestDoesTheSameStoreWorkForAKnownAndAnUnknownAddress() async throws {
        try await fixture.makeAccount(email: "alice@example.com")
        try await fixture.reset.requestReset(email: "alice@example.com", from: fixture.client())
        try await fixture.reset.requestReset(email: "nobody@example.com", from: fixture.client())
        // Each was counted against its address's allowance, in a write of its own.
        #expect(try await fixture.count("mail_request", where: "kind = 'password-reset'") == 2)
        #expect(try await fixture.mails(to: "alice@example.com").count == 1)
        #expect(try await fixture.mails(to: "nobody@example.com").isEmpty)
        #expect(fixture.hashWork.work == [.hash(cost: 5)])  // making the account; neither request hashes
    }
}
