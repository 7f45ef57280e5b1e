import Foundation
import GRDB
import StewardCore
@testable import StewardSQLite
import StewardStore
import Testing

@testable import StewardAuth

@Suite struct SignUpServiceTests {
    let fixture: IdentityFixture

    init() throws { fixture = try IdentityFixture() }

    // promise: MB-4
    @Test func signUpCreatesATenantADefaultProfileAndAPendingAdministrator() async throws {
        try await fixture.signUp.signUp(fixture.request(name: "  Alice Example ", email: " Alice@Example.COM"))

        let account = try await fixture.account("alice@example.com")
        #expect(account.user.email == "alice@example.com")
        #expect(account.user.firstName == "Alice Example")
        #expect(account.user.authority == .tenantAdmin)
        #expect(account.user.customerID == nil)
        #expect(account.user.createdTime == IdentityFixture.start)
        #expect(account.details.status == .awaitingEmail)
        #expect(account.details.emailVerifiedTime == nil)
        #expect(account.details.jurisdiction == "DE")
        #expect(account.details.ageBasis == AgeBasis.selfDeclared)
        #expect(account.details.parentEmail == nil)
        #expect(account.passwordHash != IdentityFixture.password)
        #expect(await fixture.hasher.verify(IdentityFixture.password, hash: account.passwordHash))

        let tenantID = try #require(account.user.tenantID)
        let tenantName = try await fixture.store.pool.read { db in
            try String.fetchOne(db, sql: "SELECT name FROM tenant WHERE id = ?", arguments: [tenantID.description])
        }
        #expect(tenantName?.hasPrefix("Alice Example (") == true)
        #expect(try await fixture.count("tenant") == 1)
        #expect(try await fixture.count("device_profile", where: "tenant_id = ? AND name = 'default'", [tenantID.description]) == 1)
        #expect(try await fixture.count("user") == 1)
    }

    // promise: MS-2
    @Test func signUpAsksForNothingBeyondNameEmailAndPassword() async throws {
        try await fixture.signUp.signUp(fixture.request())
        let account = try await fixture.account("alice@example.com")
        #expect(account.details.company == nil)
        #expect(account.details.phone == nil)
        #expect(account.details.hasPicture == false)
        #expect(account.user.lastName == nil)
    }

    // promise: MB-5
    @Test func signUpIssuesAConfirmationTokenAndMailsTheLink() async throws {
        try await fixture.signUp.signUp(fixture.request())
        let account = try await fixture.account("alice@example.com")

        let mails = try await fixture.mails()
        #expect(mails.count == 1)
        let mail = try #require(mails.first)
        #expect(mail.recipient == "alice@example.com")
        #expect(mail.subject.contains("Confirm your email"))
        #expect(mail.body.contains("\(IdentityFixture.publicURL)/confirm-email?token="))

        let token = try #require(IdentityFixture.token(in: mail.body, path: "/confirm-email"))
        let stored = try #require(try await fixture.store.token(hash: Secrets.sha256Hex(token)))
        #expect(stored.userID == account.user.id)
        #expect(stored.purpose == .confirmEmail)
        #expect(stored.usedTime == nil)
        #expect(stored.expiresTime == IdentityFixture.start + 24 * 3_600_000)
        // Only the digest is kept: the secret itself is nowhere in the token table.
        #expect(try await fixture.count("one_time_token", where: "hash = ?", [token]) == 0)
        #expect(try await fixture.count("one_time_token") == 1)
    }

    // promise: MS-1
    @Test func signUpRecordsThePolicyAgreement() async throws {
        try await fixture.signUp.signUp(fixture.request(ip: "203.0.113.9", client: "Safari/18"))
        let account = try await fixture.account("alice@example.com")
        let agreements = try await fixture.store.agreements(of: account.user.id)
        #expect(
            agreements == [
                PolicyAgreement(
                    userID: account.user.id, policyVersion: fixture.configuration.policyVersion, time: IdentityFixture.start,
                    method: "sign-up-form", ip: "203.0.113.9", client: "Safari/18")
            ])
    }

    @Test func signUpIsAudited() async throws {
        try await fixture.signUp.signUp(fixture.request(ip: "203.0.113.9"))
        let account = try await fixture.account("alice@example.com")
        let entries = try await fixture.audit("account.created")
        #expect(entries.count == 1)
        let event = try #require(entries.first?.event)
        #expect(event.subjectID == account.user.id)
        #expect(event.actorID == account.user.id)
        #expect(event.tenantID == account.user.tenantID)
        #expect(event.ip == "203.0.113.9")
        #expect(event.time == IdentityFixture.start)
        #expect(try await fixture.store.verifyAuditChain() == .intact(entries: 1))
    }

    // promise: MB-4
    @Test func signUpWithARegisteredEmailChangesNothingAndTellsTheOwner() async throws {
        try await fixture.signUp.signUp(fixture.request())
        let before = try await fixture.account("alice@example.com")
        let footprint = try await fixture.signUpFootprint()

        // Same answer (no error), different name and password, address in another case.
        try await fixture.signUp.signUp(fixture.request(name: "Mallory", email: "ALICE@example.com", password: "another-secret-77"))

        #expect(try await fixture.account("alice@example.com") == before)
        var expected = footprint
        expected["mail_outbox"]! += 1
        #expect(try await fixture.signUpFootprint() == expected)
        let mail = try #require(try await fixture.mails().last)
        #expect(mail.recipient == "alice@example.com")
        #expect(mail.subject.hasPrefix("Someone tried to sign up"))
        #expect(IdentityFixture.token(in: mail.body, path: "/confirm-email") == nil)
    }

    @Test func signUpIsRefusedWhenClosed() async throws {
        let closed = try IdentityFixture { $0.openSignUp = false }
        #expect(await stewardError { try await closed.signUp.signUp(closed.request()) }?.kind == .forbidden)
        #expect(try await closed.count("user") == 0)
    }

    enum Invalid: String, CaseIterable, Sendable {
        case nameTooLong, blankName, badEmail, emailWithoutDomainDot, shortPassword, commonPassword, commonStemPassword,
            passwordContainsEmail, unknownJurisdiction, missingBirthYear, futureBirthYear, ancientBirthYear, policyNotAgreed,
            otherPolicyVersion, underAgeWithoutParent, underAgeParentIsSelf, underAgeBadParentEmail

        func request(_ fixture: IdentityFixture) -> SignUpRequest {
            switch self {
            case .nameTooLong: fixture.request(name: String(repeating: "n", count: 101))
            case .blankName: fixture.request(name: "   ")
            case .badEmail: fixture.request(email: "alice.example.com")
            case .emailWithoutDomainDot: fixture.request(email: "alice@example")
            case .shortPassword: fixture.request(password: "short-pw")
            case .commonPassword: fixture.request(password: "qwertyuiop")
            case .commonStemPassword: fixture.request(password: "Password2026!")
            case .passwordContainsEmail: fixture.request(email: "alice.smith@example.com", password: "xAlice.Smith-2026")
            case .unknownJurisdiction: fixture.request(jurisdiction: "XX")
            case .missingBirthYear: fixture.request(birthYear: nil)
            case .futureBirthYear: fixture.request(birthYear: 2027)
            case .ancientBirthYear: fixture.request(birthYear: 1850)
            case .policyNotAgreed: fixture.request(agreed: nil)
            case .otherPolicyVersion: fixture.request(agreed: "2020-01-01")
            case .underAgeWithoutParent: fixture.request(birthYear: 2012, parentEmail: nil)
            case .underAgeParentIsSelf: fixture.request(email: "kid@example.com", birthYear: 2012, parentEmail: "KID@example.com")
            case .underAgeBadParentEmail: fixture.request(birthYear: 2012, parentEmail: "parent-at-example")
            }
        }
    }

    @Test(arguments: Invalid.allCases)
    func invalidFormsAreRefusedAndWriteNothing(_ invalid: Invalid) async throws {
        // An existing account makes "writes nothing" meaningful for every table.
        try await fixture.signUp.signUp(fixture.request(email: "existing@example.com"))
        let before = try await fixture.signUpFootprint()

        let error = await stewardError { try await fixture.signUp.signUp(invalid.request(fixture)) }
        #expect(error?.kind == .badRequest)
        #expect(try await fixture.signUpFootprint() == before)
    }

    @Test func nameOfExactly100CharactersIsAccepted() async throws {
        try await fixture.signUp.signUp(fixture.request(name: String(repeating: "n", count: 100)))
        #expect(try await fixture.account("alice@example.com").user.firstName?.count == 100)
    }

    @Test func specificValidationMessages() async throws {
        #expect(
            await stewardError { try await fixture.signUp.signUp(fixture.request(name: String(repeating: "n", count: 101))) }?.message
                == "The name is longer than 100 characters")
        #expect(
            await stewardError {
                try await fixture.signUp.signUp(fixture.request(email: "alice.smith@example.com", password: "xAlice.Smith-2026"))
            }?.message == "The password must not contain your email address")
        #expect(
            await stewardError { try await fixture.signUp.signUp(fixture.request(jurisdiction: "XX")) }?.message
                == "Choose the country you live in")
    }

    // MARK: Age gate

    // promise: MB-22
    @Test func theSameBirthYearNeedsAParentInGermanyButNotInBelgium() async throws {
        // Born 2011: at least 14 in 2026. Belgium's age of consent is 13, Germany's 16.
        try await fixture.signUp.signUp(fixture.request(email: "be@example.com", jurisdiction: "BE", birthYear: 2011))
        let belgian = try await fixture.account("be@example.com")
        #expect(belgian.details.ageBasis == AgeBasis.selfDeclared)
        #expect(belgian.details.parentEmail == nil)
        #expect(try await fixture.count("one_time_token", where: "purpose = 'parent-consent'") == 0)

        let error = await stewardError {
            try await fixture.signUp.signUp(fixture.request(email: "de@example.com", jurisdiction: "DE", birthYear: 2011))
        }
        #expect(error?.kind == .badRequest)
        #expect(error?.message.contains("parent") == true)
        #expect(try await fixture.store.account(email: "de@example.com") == nil)
    }

    // promise: MB-22
    @Test func theYoungestPossibleAgeDecides() async throws {
        // Born 2009: at least 16 in 2026, which is Germany's age: no parent needed. Born 2010: maybe 15, parent needed.
        try await fixture.signUp.signUp(fixture.request(email: "old@example.com", jurisdiction: "DE", birthYear: 2009))
        #expect(try await fixture.account("old@example.com").details.ageBasis == AgeBasis.selfDeclared)
        #expect(
            await stewardError {
                try await fixture.signUp.signUp(fixture.request(email: "young@example.com", jurisdiction: "DE", birthYear: 2010))
            }?.kind == .badRequest)
        // An unlisted country falls to 16.
        #expect(
            await stewardError {
                try await fixture.signUp.signUp(fixture.request(email: "young@example.com", jurisdiction: "OTHER", birthYear: 2010))
            }?.kind == .badRequest)
    }

    // promise: MB-22
    @Test func aChildSignUpMailsTheParentAndWaitsForConsent() async throws {
        try await fixture.signUp.signUp(
            fixture.request(name: "Kid", email: "kid@example.com", jurisdiction: "DE", birthYear: 2012, parentEmail: "Parent@Example.com"))
        let child = try await fixture.account("kid@example.com")
        #expect(child.details.status == .awaitingEmail)
        #expect(child.details.ageBasis == AgeBasis.parentPending)
        #expect(child.details.parentEmail == "parent@example.com")

        let parentMails = try await fixture.mails(to: "parent@example.com")
        #expect(parentMails.count == 1)
        let parentMail = try #require(parentMails.first)
        #expect(parentMail.subject.contains("consent"))
        #expect(parentMail.body.contains("kid@example.com"))
        let parentToken = try #require(IdentityFixture.token(in: parentMail.body, path: "/parent-consent"))
        let stored = try #require(try await fixture.store.token(hash: Secrets.sha256Hex(parentToken)))
        #expect(stored.purpose == .parentConsent)
        #expect(stored.userID == child.user.id)
        #expect(stored.expiresTime == IdentityFixture.start + 7 * 24 * 3_600_000)
        // The child gets the usual confirmation mail too.
        #expect(try await fixture.linkToken("/confirm-email", to: "kid@example.com") != nil)
    }

    // promise: MB-22
    @Test func aChildAccountOpensOnlyAfterEmailAndParentConsent() async throws {
        try await fixture.signUp.signUp(
            fixture.request(name: "Kid", email: "kid@example.com", jurisdiction: "DE", birthYear: 2012, parentEmail: "parent@example.com"))
        let confirm = try #require(try await fixture.linkToken("/confirm-email", to: "kid@example.com"))
        let consent = try #require(try await fixture.linkToken("/parent-consent", to: "parent@example.com"))

        fixture.clock.advance(minutes: 5)
        _ = try await fixture.signUp.confirmEmail(token: confirm)
        let confirmed = try await fixture.account("kid@example.com")
        #expect(confirmed.details.status == .awaitingParent)
        #expect(confirmed.details.emailVerifiedTime == IdentityFixture.start + 5 * 60_000)

        let refused = await stewardError { _ = try await fixture.completeSignIn("kid@example.com") }
        #expect(refused?.kind == .unauthorized)
        #expect(refused?.message.contains("parent") == true)

        fixture.clock.advance(minutes: 5)
        let user = try await fixture.signUp.confirmParentConsent(token: consent, ip: "192.0.2.44", client: "ParentBrowser/1")
        #expect(user.id == confirmed.user.id)
        let open = try await fixture.account("kid@example.com")
        #expect(open.details.status == .active)
        #expect(open.details.ageBasis == AgeBasis.parentConsented)

        let agreements = try await fixture.store.agreements(of: user.id)
        // Given through the link mailed to the parent's address, which the record does not repeat in the clear.
        let parental = try #require(agreements.first { $0.method == "parent-email" })
        #expect(!parental.method.contains("parent@example.com"))
        #expect(parental.policyVersion == fixture.configuration.policyVersion)
        #expect(parental.ip == "192.0.2.44")
        #expect(parental.client == "ParentBrowser/1")
        #expect(agreements.contains { $0.method == "sign-up-form" })
        #expect(try await fixture.audit("account.parent-consented", subject: user.id).count == 1)

        _ = try await fixture.completeSignIn("kid@example.com")
        // The consent link is single-use as well.
        #expect(
            await stewardError { _ = try await fixture.signUp.confirmParentConsent(token: consent, ip: "x", client: "y") }?.kind
                == .conflict)
    }

    // promise: MB-22
    @Test func parentConsentBeforeTheEmailIsConfirmedWaitsForTheEmail() async throws {
        try await fixture.signUp.signUp(
            fixture.request(email: "kid@example.com", jurisdiction: "DE", birthYear: 2012, parentEmail: "parent@example.com"))
        let consent = try #require(try await fixture.linkToken("/parent-consent", to: "parent@example.com"))
        _ = try await fixture.signUp.confirmParentConsent(token: consent, ip: "192.0.2.44", client: "ParentBrowser/1")
        #expect(try await fixture.account("kid@example.com").details.status == .awaitingEmail)

        let confirm = try #require(try await fixture.linkToken("/confirm-email", to: "kid@example.com"))
        _ = try await fixture.signUp.confirmEmail(token: confirm)
        #expect(try await fixture.account("kid@example.com").details.status == .active)
    }

    // promise: MB-22
    @Test func aParentConsentLinkIsNotAConfirmationLink() async throws {
        try await fixture.signUp.signUp(
            fixture.request(email: "kid@example.com", jurisdiction: "DE", birthYear: 2012, parentEmail: "parent@example.com"))
        let consent = try #require(try await fixture.linkToken("/parent-consent", to: "parent@example.com"))
        #expect(await stewardError { _ = try await fixture.signUp.confirmEmail(token: consent) }?.kind == .notFound)
        #expect(try await fixture.account("kid@example.com").details.status == .awaitingEmail)
    }
}

/// The single-use, expiring confirmation link.
@Suite struct ConfirmEmailLinkTests {
    let fixture: IdentityFixture

    init() throws { fixture = try IdentityFixture() }

    func signUpAndToken() async throws -> String {
        try await fixture.signUp.signUp(fixture.request())
        return try #require(try await fixture.linkToken("/confirm-email", to: "alice@example.com"))
    }

    // promise: MB-5
    @Test func followingTheLinkOpensTheAccount() async throws {
        let token = try await signUpAndToken()
        fixture.clock.advance(minutes: 30)
        let user = try await fixture.signUp.confirmEmail(token: token)
        #expect(user.email == "alice@example.com")
        let account = try await fixture.account("alice@example.com")
        #expect(account.details.status == .active)
        #expect(account.details.emailVerifiedTime == IdentityFixture.start + 30 * 60_000)
        #expect(try await fixture.store.token(hash: Secrets.sha256Hex(token))?.usedTime == IdentityFixture.start + 30 * 60_000)
        #expect(try await fixture.audit("account.email-confirmed", subject: user.id).count == 1)
        _ = try await fixture.completeSignIn()
    }

    // promise: MB-5
    @Test func theLinkWorksOnce() async throws {
        let token = try await signUpAndToken()
        _ = try await fixture.signUp.confirmEmail(token: token)
        let error = await stewardError { _ = try await fixture.signUp.confirmEmail(token: token) }
        #expect(error?.kind == .conflict)
        #expect(error?.message.contains("already used") == true)
        #expect(try await fixture.audit("account.email-confirmed").count == 1)
    }

    // promise: MB-5
    @Test func theLinkExpiresAfter24Hours() async throws {
        let token = try await signUpAndToken()
        fixture.clock.advance(milliseconds: 24 * 3_600_000 + 1)
        let error = await stewardError { _ = try await fixture.signUp.confirmEmail(token: token) }
        #expect(error?.kind == .conflict)
        #expect(error?.message.contains("expired") == true)
        #expect(try await fixture.account("alice@example.com").details.status == .awaitingEmail)
    }

    // promise: MB-5
    @Test func theLinkStillWorksJustBefore24Hours() async throws {
        let token = try await signUpAndToken()
        fixture.clock.advance(milliseconds: 24 * 3_600_000 - 1)
        _ = try await fixture.signUp.confirmEmail(token: token)
        #expect(try await fixture.account("alice@example.com").details.status == .active)
    }

    // promise: MB-5
    @Test(arguments: ["", "garbage", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"])
    func anUnknownTokenIsNotFound(_ token: String) async throws {
        _ = try await signUpAndToken()
        #expect(await stewardError { _ = try await fixture.signUp.confirmEmail(token: token) }?.kind == .notFound)
        #expect(try await fixture.account("alice@example.com").details.status == .awaitingEmail)
    }

    // promise: MB-5
    @Test func aPasswordResetTokenIsNotAConfirmationToken() async throws {
        _ = try await signUpAndToken()
        try await fixture.reset.requestReset(email: "alice@example.com", from: fixture.client())
        let resetToken = try #require(try await fixture.linkToken("/reset-password", to: "alice@example.com"))
        #expect(await stewardError { _ = try await fixture.signUp.confirmEmail(token: resetToken) }?.kind == .notFound)
        #expect(try await fixture.account("alice@example.com").details.status == .awaitingEmail)
        #expect(try await fixture.store.token(hash: Secrets.sha256Hex(resetToken))?.usedTime == nil)
    }

    /// `confirmEmail` and `confirmParentConsent` set the status without looking at the current one, so a link that
    /// is still valid re-opens an account that was switched off in the meantime (`disabled`: "signs in nowhere").
    /// No code path disables accounts yet, so this is latent.
    @Test func aStillValidLinkDoesNotReopenADisabledAccount() async throws {
        try await fixture.signUp.signUp(
            fixture.request(email: "kid@example.com", jurisdiction: "DE", birthYear: 2012, parentEmail: "parent@example.com"))
        let account = try await fixture.account("kid@example.com")
        let confirm = try #require(try await fixture.linkToken("/confirm-email", to: "kid@example.com"))
        let consent = try #require(try await fixture.linkToken("/parent-consent", to: "parent@example.com"))
        try await fixture.store.apply([.setStatus(account.user.id, .disabled)])

        _ = try? await fixture.signUp.confirmEmail(token: confirm)
        #expect(try await fixture.account("kid@example.com").details.status == .disabled)
        _ = try? await fixture.signUp.confirmParentConsent(token: consent, ip: "192.0.2.44", client: "ParentBrowser/1")
        #expect(try await fixture.account("kid@example.com").details.status == .disabled)
    }

    // promise: MB-5
    @Test func aConfirmationTokenIsNotAPasswordResetToken() async throws {
        let token = try await signUpAndToken()
        #expect(await stewardError { _ = try await fixture.reset.check(token: token) }?.kind == .notFound)
        #expect(
            await stewardError { _ = try await fixture.reset.reset(token: token, newPassword: "brand-new-secret-1", from: fixture.client()) }?
                .kind == .notFound)
    }
}
