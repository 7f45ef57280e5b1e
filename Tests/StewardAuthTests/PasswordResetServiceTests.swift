import Foundation
import GRDB
import StewardCore
import StewardSQLite
import StewardStore
import Testing

@testable import StewardAuth

@Suite struct PasswordResetServiceTests {
    let fixture: IdentityFixture
    static let newPassword = "marble-sunrise-871"

    init() throws { fixture = try IdentityFixture() }

    func requestToken(_ email: String = "alice@example.com") async throws -> String {
        try await fixture.reset.requestReset(email: email, from: fixture.client())
        return try #require(try await fixture.linkToken("/reset-password", to: email))
    }

    // promise: TM-12
    @Test(arguments: ["nobody@example.com", "not an email", ""])
    func anUnknownEmailQueuesNothingAndAnswersTheSame(_ email: String) async throws {
        try await fixture.signUpAndConfirm()
        let before = try await fixture.signUpFootprint()
        try await fixture.reset.requestReset(email: email, from: fixture.client())
        #expect(try await fixture.signUpFootprint() == before)
    }

    // promise: TM-12
    @Test func aKnownEmailGetsOneMailWithASingleUseLink() async throws {
        let user = try await fixture.signUpAndConfirm()
        let mailsBefore = try await fixture.mails().count
        try await fixture.reset.requestReset(email: "  Alice@Example.com ", from: fixture.client("203.0.113.5"))

        let mails = try await fixture.mails()
        #expect(mails.count == mailsBefore + 1)
        let mail = try #require(mails.last)
        #expect(mail.recipient == "alice@example.com")
        #expect(mail.body.contains("\(IdentityFixture.publicURL)/reset-password?token="))
        #expect(!mail.body.contains(IdentityFixture.password))
        let token = try #require(IdentityFixture.token(in: mail.body, path: "/reset-password"))
        let stored = try #require(try await fixture.store.token(hash: Secrets.sha256Hex(token)))
        #expect(stored.purpose == .resetPassword)
        #expect(stored.userID == user.id)
        #expect(stored.expiresTime == IdentityFixture.start + 3_600_000)
        #expect(try await fixture.audit("password.reset-requested", subject: user.id).first?.event.ip == "203.0.113.5")
        #expect(try await fixture.reset.check(token: token).id == user.id)
    }

    // promise: TM-12
    @Test func aSecondRequestVoidsTheFirstLink() async throws {
        try await fixture.signUpAndConfirm()
        let first = try await requestToken()
        fixture.clock.advance(minutes: 1)
        let second = try await requestToken()
        #expect(first != second)

        let error = await stewardError { _ = try await fixture.reset.reset(token: first, newPassword: Self.newPassword, from: fixture.client()) }
        #expect(error?.kind == .conflict)
        _ = try await fixture.completeSignIn()  // the password did not change
        _ = try await fixture.reset.reset(token: second, newPassword: Self.newPassword, from: fixture.client())
    }

    // promise: TM-12
    @Test func resetSetsTheNewPasswordAndEndsEverySession() async throws {
        let user = try await fixture.signUpAndConfirm()
        let web = try await fixture.completeSignIn()
        let api = try await fixture.completeSignIn(kind: .api)
        let token = try await requestToken()

        fixture.clock.advance(minutes: 10)
        let reset = try await fixture.reset.reset(token: token, newPassword: Self.newPassword, from: fixture.client("203.0.113.5"))
        #expect(reset.id == user.id)

        #expect(try await fixture.store.session(id: web.session.id)?.revokedTime == IdentityFixture.start + 10 * 60_000)
        #expect(try await fixture.store.session(id: api.session.id)?.revokedTime == IdentityFixture.start + 10 * 60_000)
        #expect(try await fixture.store.token(hash: Secrets.sha256Hex(token))?.usedTime == IdentityFixture.start + 10 * 60_000)
        #expect(try await fixture.audit("password.reset", subject: user.id).count == 1)
        #expect(try await fixture.mails(to: "alice@example.com").last?.subject.hasPrefix("Security change") == true)

        #expect(await stewardError { _ = try await fixture.completeSignIn() }?.message == SignInService.invalidCredentials.message)
        _ = try await fixture.completeSignIn(password: Self.newPassword)
    }

    // promise: TM-12
    @Test func theLinkWorksOnce() async throws {
        try await fixture.signUpAndConfirm()
        let token = try await requestToken()
        _ = try await fixture.reset.reset(token: token, newPassword: Self.newPassword, from: fixture.client())
        let error = await stewardError { _ = try await fixture.reset.reset(token: token, newPassword: "another-one-55xy", from: fixture.client()) }
        #expect(error?.kind == .conflict)
        #expect(error?.message.contains("already used") == true)
        _ = try await fixture.completeSignIn(password: Self.newPassword)
    }

    // promise: TM-12
    @Test func theLinkExpiresAfterAnHour() async throws {
        try await fixture.signUpAndConfirm()
        let token = try await requestToken()
        fixture.clock.advance(milliseconds: 3_600_000 + 1)
        let error = await stewardError { _ = try await fixture.reset.reset(token: token, newPassword: Self.newPassword, from: fixture.client()) }
        #expect(error?.kind == .conflict)
        #expect(error?.message.contains("expired") == true)
        #expect(await stewardError { _ = try await fixture.reset.check(token: token) }?.kind == .conflict)
        _ = try await fixture.completeSignIn()
    }

    @Test func theLinkStillWorksJustBeforeTheHour() async throws {
        try await fixture.signUpAndConfirm()
        let token = try await requestToken()
        fixture.clock.advance(milliseconds: 3_600_000 - 1)
        _ = try await fixture.reset.reset(token: token, newPassword: Self.newPassword, from: fixture.client())
        _ = try await fixture.completeSignIn(password: Self.newPassword)
    }

    // promise: TM-12
    @Test(arguments: ["short", "password123", "xalice-is-me-77"])
    func aWeakNewPasswordIsRefusedWithoutSpendingTheLink(_ weak: String) async throws {
        try await fixture.signUpAndConfirm()
        let token = try await requestToken()
        let error = await stewardError { _ = try await fixture.reset.reset(token: token, newPassword: weak, from: fixture.client()) }
        #expect(error?.kind == .badRequest)
        #expect(try await fixture.store.token(hash: Secrets.sha256Hex(token))?.usedTime == nil)
        _ = try await fixture.completeSignIn()
        _ = try await fixture.reset.reset(token: token, newPassword: Self.newPassword, from: fixture.client())
        _ = try await fixture.completeSignIn(password: Self.newPassword)
    }

    @Test func garbageIsNotFound() async throws {
        try await fixture.signUpAndConfirm()
        _ = try await requestToken()
        #expect(await stewardError { _ = try await fixture.reset.check(token: "garbage") }?.kind == .notFound)
        #expect(await stewardError { _ = try await fixture.reset.reset(token: "", newPassword: Self.newPassword, from: fixture.client()) }?.kind == .notFound)
    }

    @Test func resetLiftsALock() async throws {
        try await fixture.signUpAndConfirm()
        await fixture.failSignIns("alice@example.com", count: 5)
        let token = try await requestToken()
        _ = try await fixture.reset.reset(token: token, newPassword: Self.newPassword, from: fixture.client())
        #expect(try await fixture.account("alice@example.com").details.lockedUntil == nil)
    }

    // promise: MB-6
    @Test func resetKeepsTheSecondFactor() async throws {
        let user = try await fixture.signUpAndConfirm()
        _ = try await fixture.twoFactor.enableEmailCodes(user, credential: "t", from: fixture.client())
        let token = try await requestToken()
        _ = try await fixture.reset.reset(token: token, newPassword: Self.newPassword, from: fixture.client())
        #expect(try await fixture.account("alice@example.com").details.secondFactor == .email)
        let (_, factor) = try await fixture.halfOpenSignIn(password: Self.newPassword)
        #expect(factor == .email)
    }

    @Test func resetConfirmsAPendingAddress() async throws {
        try await fixture.signUp.signUp(fixture.request())
        let token = try await requestToken()
        _ = try await fixture.reset.reset(token: token, newPassword: Self.newPassword, from: fixture.client())
        let account = try await fixture.account("alice@example.com")
        #expect(account.details.status == .active)
        #expect(account.details.emailVerifiedTime == IdentityFixture.start)
    }

    // promise: MB-22
    @Test func resetDoesNotOpenAChildAccountWithoutTheParent() async throws {
        try await fixture.signUp.signUp(
            fixture.request(email: "kid@example.com", jurisdiction: "DE", birthYear: 2012, parentEmail: "parent@example.com"))
        let token = try await requestToken("kid@example.com")
        _ = try await fixture.reset.reset(token: token, newPassword: Self.newPassword, from: fixture.client())
        #expect(try await fixture.account("kid@example.com").details.status == .awaitingParent)
        #expect(await stewardError { _ = try await fixture.completeSignIn("kid@example.com", password: Self.newPassword) }?.kind == .unauthorized)
    }
}
