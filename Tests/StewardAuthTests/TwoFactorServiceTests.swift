import Foundation
import GRDB
import StewardCore
import StewardSQLite
import StewardStore
import Testing

@testable import StewardAuth

@Suite struct TwoFactorServiceTests {
    let fixture: IdentityFixture
    let secret = TOTP.generateSecret()

    init() throws { fixture = try IdentityFixture() }

    var currentCode: String { secret.code(step: TOTP.step(at: fixture.clock.current)) }

    static func isRecoveryCode(_ code: String) -> Bool {
        let alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
        let parts = code.split(separator: "-", omittingEmptySubsequences: false)
        return parts.count == 2 && parts.allSatisfy { $0.count == 5 && $0.allSatisfy(alphabet.contains) }
    }

    /// Signs up alice and turns on TOTP; the clock then moves to the next step so the set-up code is spent.
    func aliceWithTOTP() async throws -> (User, [String]) {
        let user = try await fixture.signUpAndConfirm()
        let codes = try await fixture.twoFactor.enableTOTP(
            user, secret: secret.base32, code: currentCode, credential: "session:setup", from: fixture.client())
        fixture.clock.advance(seconds: 30)
        return (user, codes)
    }

    func wrongCode() -> String {
        let step = TOTP.step(at: fixture.clock.current)
        let near = Set((step - 1...step + 1).map { secret.code(step: $0) })
        return ["000000", "111111", "222222", "333333"].first { !near.contains($0) }!
    }

    // promise: MB-6
    @Test func aWrongSetUpCodeChangesNothing() async throws {
        let user = try await fixture.signUpAndConfirm()
        let mails = try await fixture.mails().count
        let error = await stewardError {
            _ = try await fixture.twoFactor.enableTOTP(user, secret: secret.base32, code: wrongCode(), credential: "t", from: fixture.client())
        }
        #expect(error?.kind == .badRequest)
        let account = try await fixture.account("alice@example.com")
        #expect(account.details.secondFactor == nil)
        #expect(account.details.totpSecret == nil)
        #expect(try await fixture.store.unusedRecoveryCodeCount(of: user.id) == 0)
        #expect(try await fixture.mails().count == mails)
        #expect(try await fixture.audit("second-factor.enabled").isEmpty)
        _ = try await fixture.completeSignIn()
    }

    @Test func aDamagedOrShortSecretIsRefused() async throws {
        let user = try await fixture.signUpAndConfirm()
        for bad in ["not base32!", "GEZDGNBV"] {  // the second decodes to 5 bytes
            #expect(
                await stewardError {
                    _ = try await fixture.twoFactor.enableTOTP(user, secret: bad, code: "123456", credential: "t", from: fixture.client())
                }?.kind == .badRequest)
        }
        #expect(try await fixture.account("alice@example.com").details.secondFactor == nil)
    }

    // promise: MB-6
    @Test func theRightCodeTurnsOnTOTPWithTenRecoveryCodes() async throws {
        let (user, codes) = try await aliceWithTOTP()
        #expect(codes.count == 10)
        #expect(Set(codes).count == 10)
        for code in codes { #expect(Self.isRecoveryCode(code), "\(code)") }

        let account = try await fixture.account("alice@example.com")
        #expect(account.details.secondFactor == .totp)
        #expect(account.details.totpSecret == secret.base32)
        #expect(account.details.totpLastStep == TOTP.step(at: IdentityFixture.start))
        #expect(try await fixture.store.unusedRecoveryCodeCount(of: user.id) == 10)
        // Recovery codes are stored as digests only.
        for code in codes { #expect(try await fixture.count("recovery_code", where: "code_hash = ?", [code]) == 0) }
        #expect(try await fixture.audit("second-factor.enabled", subject: user.id).first?.event.detail == "totp")
        #expect(try await fixture.mails(to: "alice@example.com").last?.subject.hasPrefix("Security change") == true)
    }

    // promise: MB-6
    @Test func signInAsksForTheSecondFactorAndOpensNothingBeforeIt() async throws {
        let (user, _) = try await aliceWithTOTP()
        let (grant, factor) = try await fixture.halfOpenSignIn()
        #expect(factor == .totp)
        #expect(grant.session.stage == .secondFactor)
        #expect(grant.session.expiresTime == fixture.clock.current + 10 * 60_000)
        let stored = try #require(try await fixture.store.session(id: grant.session.id))
        #expect(stored.stage == .secondFactor)
        #expect(try await fixture.store.signIns(of: user.id, limit: 1).first?.outcome == .awaitingFactor)
        #expect(try await fixture.audit("sign-in.success").isEmpty)
    }

    // promise: MB-6
    @Test func theCurrentCodeCompletesTheSignInOnce() async throws {
        let (user, _) = try await aliceWithTOTP()
        let (halfOpen, _) = try await fixture.halfOpenSignIn()
        let code = currentCode
        let grant = try await fixture.signIn.verifySecondFactor(sessionID: halfOpen.session.id, code: code, from: fixture.client())
        #expect(grant.session.id == halfOpen.session.id)
        #expect(grant.session.stage == .complete)
        let secret = try #require(grant.secret)
        #expect(secret != halfOpen.secret)
        let session = try #require(try await fixture.store.session(secretHash: Secrets.sha256Hex(secret)))
        #expect(session.id == halfOpen.session.id)
        #expect(session.stage == .complete)
        // The cookie seen before the factor opens nothing.
        #expect(try await fixture.store.session(secretHash: Secrets.sha256Hex(halfOpen.secret ?? "")) == nil)
        #expect(try await fixture.store.signIns(of: user.id, limit: 1).first?.outcome == .success)
        #expect(try await fixture.account("alice@example.com").details.totpLastStep == TOTP.step(at: fixture.clock.current))

        // The same code in a new sign-in, still within its 30 seconds: a replay.
        fixture.clock.advance(seconds: 5)
        let (again, _) = try await fixture.halfOpenSignIn()
        let error = await stewardError { _ = try await fixture.signIn.verifySecondFactor(sessionID: again.session.id, code: code, from: fixture.client()) }
        #expect(error?.kind == .unauthorized)
        #expect(try await fixture.store.session(id: again.session.id)?.stage == .secondFactor)
        #expect(try await fixture.store.signIns(of: user.id, limit: 1).first?.outcome == .wrongFactor)
    }

    // promise: MB-6
    @Test func theSetUpCodeCannotBeReplayedToSignIn() async throws {
        let user = try await fixture.signUpAndConfirm()
        let setUpCode = currentCode
        _ = try await fixture.twoFactor.enableTOTP(user, secret: secret.base32, code: setUpCode, credential: "t", from: fixture.client())
        let (halfOpen, _) = try await fixture.halfOpenSignIn()
        #expect(
            await stewardError {
                _ = try await fixture.signIn.verifySecondFactor(sessionID: halfOpen.session.id, code: setUpCode, from: fixture.client())
            }?.kind == .unauthorized)
    }

    // promise: MB-6
    @Test func anOlderCodeIsRefusedOnceANewerOneWasUsed() async throws {
        _ = try await aliceWithTOTP()
        let step = TOTP.step(at: fixture.clock.current)
        // A phone one step ahead is accepted...
        let (first, _) = try await fixture.halfOpenSignIn()
        _ = try await fixture.signIn.verifySecondFactor(sessionID: first.session.id, code: secret.code(step: step + 1), from: fixture.client())
        #expect(try await fixture.account("alice@example.com").details.totpLastStep == step + 1)
        // ...after which the current step's code, though within the drift window, is older and refused.
        let (second, _) = try await fixture.halfOpenSignIn()
        #expect(
            await stewardError {
                _ = try await fixture.signIn.verifySecondFactor(sessionID: second.session.id, code: secret.code(step: step), from: fixture.client())
            }?.kind == .unauthorized)
        fixture.clock.advance(seconds: 60)
        _ = try await fixture.signIn.verifySecondFactor(sessionID: second.session.id, code: currentCode, from: fixture.client())
    }

    // promise: MB-6
    @Test func aRecoveryCodeWorksOnce() async throws {
        let (user, codes) = try await aliceWithTOTP()
        let (first, _) = try await fixture.halfOpenSignIn()
        _ = try await fixture.signIn.verifySecondFactor(sessionID: first.session.id, code: " \(codes[3].uppercased()) ", from: fixture.client())
        #expect(try await fixture.store.unusedRecoveryCodeCount(of: user.id) == 9)

        let (second, _) = try await fixture.halfOpenSignIn()
        let error = await stewardError { _ = try await fixture.signIn.verifySecondFactor(sessionID: second.session.id, code: codes[3], from: fixture.client()) }
        #expect(error?.kind == .unauthorized)
        #expect(try await fixture.store.unusedRecoveryCodeCount(of: user.id) == 9)
        // Another code still works.
        _ = try await fixture.signIn.verifySecondFactor(sessionID: second.session.id, code: codes[4], from: fixture.client())
        #expect(try await fixture.store.unusedRecoveryCodeCount(of: user.id) == 8)
    }

    @Test func recoveryCodesAreBoundToTheirAccount() async throws {
        let (_, codes) = try await aliceWithTOTP()
        let bob = try await fixture.makeAccount(email: "bob@example.com")
        _ = try await fixture.twoFactor.enableEmailCodes(bob, credential: "t", from: fixture.client())
        let (halfOpen, _) = try await fixture.halfOpenSignIn("bob@example.com")
        #expect(
            await stewardError { _ = try await fixture.signIn.verifySecondFactor(sessionID: halfOpen.session.id, code: codes[0], from: fixture.client()) }?
                .kind == .unauthorized)
    }

    @Test func theFactorStageExpires() async throws {
        _ = try await aliceWithTOTP()
        let (halfOpen, _) = try await fixture.halfOpenSignIn()
        fixture.clock.advance(milliseconds: 10 * 60_000 + 1)
        let error = await stewardError {
            _ = try await fixture.signIn.verifySecondFactor(sessionID: halfOpen.session.id, code: currentCode, from: fixture.client())
        }
        #expect(error?.kind == .unauthorized)
        #expect(error?.message.contains("expired") == true)
    }

    @Test func aCompleteSessionCannotBeVerifiedAgain() async throws {
        _ = try await aliceWithTOTP()
        let (halfOpen, _) = try await fixture.halfOpenSignIn()
        _ = try await fixture.signIn.verifySecondFactor(sessionID: halfOpen.session.id, code: currentCode, from: fixture.client())
        fixture.clock.advance(seconds: 30)
        #expect(
            await stewardError { _ = try await fixture.signIn.verifySecondFactor(sessionID: halfOpen.session.id, code: currentCode, from: fixture.client()) }?
                .kind == .unauthorized)
    }

    // promise: MB-6
    @Test func wrongCodesLockTheAccountLikeWrongPasswords() async throws {
        let (user, _) = try await aliceWithTOTP()
        let (halfOpen, _) = try await fixture.halfOpenSignIn()
        for _ in 0..<5 {
            let error = await stewardError {
                _ = try await fixture.signIn.verifySecondFactor(sessionID: halfOpen.session.id, code: wrongCode(), from: fixture.client())
            }
            #expect(error?.kind == .unauthorized)
        }
        #expect(try await fixture.account("alice@example.com").details.lockedUntil == fixture.clock.current + 15 * 60_000)
        #expect(try await fixture.audit("sign-in.locked", subject: user.id).count == 1)
        #expect(try await fixture.mails(to: "alice@example.com").filter { $0.subject.contains("locked") }.count == 1)

        let locked = await stewardError {
            _ = try await fixture.signIn.verifySecondFactor(sessionID: halfOpen.session.id, code: currentCode, from: fixture.client())
        }
        #expect(locked?.message.contains("locked") == true)
        #expect(await stewardError { _ = try await fixture.completeSignIn() }?.message.contains("locked") == true)
    }

    // promise: MB-6
    @Test func disablingNeedsThePassword() async throws {
        let (user, _) = try await aliceWithTOTP()
        #expect(
            await stewardError { try await fixture.twoFactor.disable(user, password: "wrong-password-1", credential: "t", from: fixture.client()) }?
                .kind == .badRequest)
        #expect(try await fixture.account("alice@example.com").details.secondFactor == .totp)
        try await fixture.twoFactor.disable(user, password: IdentityFixture.password, credential: "t", from: fixture.client())
        let account = try await fixture.account("alice@example.com")
        #expect(account.details.secondFactor == nil)
        #expect(account.details.totpSecret == nil)
        #expect(try await fixture.store.unusedRecoveryCodeCount(of: user.id) == 0)
        _ = try await fixture.completeSignIn()
    }

    @Test func administratorsKeepTheirFactorWhenTheServerRequiresIt() async throws {
        let strict = try IdentityFixture { $0.requireAdminSecondFactor = true }
        let user = try await strict.makeAccount(email: "admin@example.com")
        _ = try await strict.twoFactor.enableEmailCodes(user, credential: "t", from: strict.client())
        #expect(
            await stewardError { try await strict.twoFactor.disable(user, password: IdentityFixture.password, credential: "t", from: strict.client()) }?
                .kind == .forbidden)
        #expect(try await strict.account("admin@example.com").details.secondFactor == .email)
    }
}

/// Sign-in codes by mail.
@Suite struct EmailSecondFactorTests {
    let fixture: IdentityFixture
    init() throws { fixture = try IdentityFixture() }

    func aliceWithEmailCodes() async throws -> (User, [String]) {
        let user = try await fixture.signUpAndConfirm()
        let codes = try await fixture.twoFactor.enableEmailCodes(user, credential: "t", from: fixture.client())
        return (user, codes)
    }

    // promise: MB-6
    @Test func signInMailsASixDigitCodeThatWorksOnce() async throws {
        let (user, codes) = try await aliceWithEmailCodes()
        #expect(codes.count == 10)
        #expect(try await fixture.account("alice@example.com").details.secondFactor == .email)

        let (halfOpen, factor) = try await fixture.halfOpenSignIn()
        #expect(factor == .email)
        let mail = try #require(try await fixture.mails(to: "alice@example.com").last)
        #expect(mail.subject.contains("sign-in code"))
        let code = try #require(try await fixture.mailedSignInCode(to: "alice@example.com"))
        #expect(code.count == 6)
        // Stored only as a digest.
        #expect(try await fixture.count("one_time_token", where: "hash = ?", [code]) == 0)
        #expect(try await fixture.count("one_time_token", where: "purpose = 'sign-in-code' AND used_time IS NULL") == 1)

        let grant = try await fixture.signIn.verifySecondFactor(sessionID: halfOpen.session.id, code: code, from: fixture.client())
        #expect(grant.session.stage == .complete)
        #expect(try await fixture.count("one_time_token", where: "purpose = 'sign-in-code' AND used_time IS NULL") == 0)
        let token = try #require(try await fixture.store.token(hash: TwoFactorService.codeHash(user.id, code)))
        #expect(token.usedTime == fixture.clock.current)

        // The spent code does not open a second sign-in (which mails a new code of its own).
        let (second, _) = try await fixture.halfOpenSignIn()
        let newCode = try #require(try await fixture.mailedSignInCode(to: "alice@example.com"))
        if newCode != code {
            #expect(
                await stewardError { _ = try await fixture.signIn.verifySecondFactor(sessionID: second.session.id, code: code, from: fixture.client()) }?
                    .kind == .unauthorized)
        }
        _ = try await fixture.signIn.verifySecondFactor(sessionID: second.session.id, code: newCode, from: fixture.client())
    }

    @Test func aNewSignInVoidsTheEarlierCode() async throws {
        _ = try await aliceWithEmailCodes()
        let (first, _) = try await fixture.halfOpenSignIn()
        let firstCode = try #require(try await fixture.mailedSignInCode(to: "alice@example.com"))
        _ = try await fixture.halfOpenSignIn()
        let secondCode = try #require(try await fixture.mailedSignInCode(to: "alice@example.com"))
        try #require(firstCode != secondCode)  // 1 in a million
        #expect(
            await stewardError { _ = try await fixture.signIn.verifySecondFactor(sessionID: first.session.id, code: firstCode, from: fixture.client()) }?
                .kind == .unauthorized)
    }

    @Test func theMailedCodeExpiresAfterTenMinutes() async throws {
        _ = try await aliceWithEmailCodes()
        let (halfOpen, _) = try await fixture.halfOpenSignIn()
        let code = try #require(try await fixture.mailedSignInCode(to: "alice@example.com"))
        fixture.clock.advance(milliseconds: 10 * 60_000 + 1)
        #expect(
            await stewardError { _ = try await fixture.signIn.verifySecondFactor(sessionID: halfOpen.session.id, code: code, from: fixture.client()) }?
                .kind == .unauthorized)
    }

    @Test func resendMailsAFreshCode() async throws {
        _ = try await aliceWithEmailCodes()
        let (halfOpen, _) = try await fixture.halfOpenSignIn()
        let before = try await fixture.mails(to: "alice@example.com").count
        try await fixture.twoFactor.resendSignInCode(sessionID: halfOpen.session.id)
        #expect(try await fixture.mails(to: "alice@example.com").count == before + 1)
        let code = try #require(try await fixture.mailedSignInCode(to: "alice@example.com"))
        _ = try await fixture.signIn.verifySecondFactor(sessionID: halfOpen.session.id, code: code, from: fixture.client())
    }

    // promise: MB-6
    @Test func fiveWrongCodesLockTheAccount() async throws {
        let (user, _) = try await aliceWithEmailCodes()
        let (halfOpen, _) = try await fixture.halfOpenSignIn()
        let code = try #require(try await fixture.mailedSignInCode(to: "alice@example.com"))
        let wrong = code == "000000" ? "000001" : "000000"
        for _ in 0..<5 {
            let error = await stewardError {
                _ = try await fixture.signIn.verifySecondFactor(sessionID: halfOpen.session.id, code: wrong, from: fixture.client())
            }
            #expect(error?.kind == .unauthorized)
        }
        #expect(try await fixture.signInOutcomes(email: "alice@example.com").suffix(5) == Array(repeating: "wrong-factor", count: 5))
        #expect(try await fixture.account("alice@example.com").details.lockedUntil == fixture.clock.current + 15 * 60_000)
        #expect(try await fixture.audit("sign-in.locked", subject: user.id).count == 1)

        // Even the right code is refused now.
        let error = await stewardError {
            _ = try await fixture.signIn.verifySecondFactor(sessionID: halfOpen.session.id, code: code, from: fixture.client())
        }
        #expect(error?.message.contains("locked") == true)
    }
}
