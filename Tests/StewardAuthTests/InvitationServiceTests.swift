import Foundation
import StewardCore
import StewardSQLite
import StewardStore
import Testing

@testable import StewardAuth

/// A tenant administrator invites a customer user: an invitation mail (not a reset), a 7-day link, and accepting it
/// sets the password, records the policy agreement and signs the person in.
@Suite struct InvitationServiceTests {
    let fixture: IdentityFixture
    let invitations: InvitationService
    static let newPassword = "marble-sunrise-871"

    init() throws {
        fixture = try IdentityFixture()
        let accounts = AccountService(accounts: fixture.store, devices: fixture.store, hasher: fixture.hasher)
        invitations = InvitationService(
            store: fixture.store, accounts: accounts, signIn: fixture.signIn, configuration: fixture.configuration,
            now: fixture.clock.now)
    }

    /// Ada signs up (her workspace), adds the customer "Neighbour Bob" and invites bob@example.com.
    func invite() async throws -> (inviter: User, bob: User, token: String) {
        let ada = try await fixture.signUpAndConfirm(email: "ada@example.com", name: "Ada Walker")
        let tenant = try #require(ada.tenantID)
        let customer = try await invitations.accounts.createCustomer(tenant: tenant, name: "Neighbour Bob")
        let bob = try await invitations.invite(
            tenant: tenant, customer: customer.id, email: " Bob@Example.com", by: ada, credential: "session:s",
            from: fixture.client("203.0.113.9"))
        let token = try #require(try await fixture.linkToken("/welcome", to: "bob@example.com"))
        return (ada, bob, token)
    }

    @Test func theMailIsAnInvitationThatSaysWhoInvitedToWhatForSevenDays() async throws {
        let (ada, bob, token) = try await invite()
        let mails = try await fixture.mails(to: "bob@example.com")
        #expect(mails.count == 1)
        let mail = try #require(mails.first)
        #expect(mail.subject == "Ada Walker (ada@example.com) invited you to see the devices of Neighbour Bob on Steward")
        #expect(mail.body.contains("Ada Walker (ada@example.com) invited you to Steward, where the workspace \"Ada Walker ("))
        #expect(mail.body.contains("expires in 7 days"))
        #expect(mail.body.contains("self-hosted platform for connected devices"))
        #expect(!mail.body.contains("reset"))
        #expect(!mail.subject.contains("Reset"))
        let stored = try #require(try await fixture.store.token(hash: Secrets.sha256Hex(token)))
        #expect(stored.purpose == .invitation)
        #expect(stored.userID == bob.id)
        #expect(stored.expiresTime == IdentityFixture.start + 7 * 86_400_000)
        let invited = try #require(try await fixture.audit("user.invited", subject: bob.id).first)
        #expect(invited.event.actorID == ada.id)
        #expect(invited.event.ip == "203.0.113.9")
        #expect(invited.event.detail == "customer user of Neighbour Bob")
        // The link is not a reset link, and a reset page does not take it.
        await #expect(throws: StewardError.self) { _ = try await fixture.reset.check(token: token) }
        let shown = try await invitations.check(token: token)
        #expect(shown.customer == "Neighbour Bob")
        #expect(shown.workspace.hasPrefix("Ada Walker ("))
        #expect(shown.user.email == "bob@example.com")
        // Nobody can sign in before accepting: the account has no password anyone knows.
        await #expect(throws: StewardError.self) { _ = try await fixture.completeSignIn("bob@example.com", password: Self.newPassword) }
    }

    @Test func acceptingNeedsTheAgreementAndAGoodPasswordAndKeepsTheLinkUntilThen() async throws {
        let (_, _, token) = try await invite()
        let withoutAgreement = await stewardError {
            _ = try await invitations.accept(token: token, password: Self.newPassword, agreedToPolicyVersion: nil, from: fixture.client())
        }
        #expect(withoutAgreement?.kind == .badRequest)
        #expect(withoutAgreement?.message.contains("privacy policy") == true)
        let weak = await stewardError {
            _ = try await invitations.accept(
                token: token, password: "password", agreedToPolicyVersion: fixture.configuration.policyVersion, from: fixture.client())
        }
        #expect(weak?.kind == .badRequest)
        #expect(try await invitations.check(token: token).user.email == "bob@example.com")
    }

    @Test func acceptingSetsThePasswordRecordsTheAgreementAndSignsIn() async throws {
        let (_, bob, token) = try await invite()
        fixture.clock.advance(milliseconds: 6 * 86_400_000)
        let grant = try await invitations.accept(
            token: token, password: Self.newPassword, agreedToPolicyVersion: fixture.configuration.policyVersion,
            from: fixture.client("198.51.100.20", "Chrome/156"))
        #expect(grant.user.id == bob.id)
        #expect(grant.session.stage == .complete)
        #expect(grant.secret != nil)
        let agreements = try await fixture.store.agreements(of: bob.id)
        #expect(agreements.count == 1)
        #expect(agreements.first?.method == "invitation")
        #expect(agreements.first?.policyVersion == fixture.configuration.policyVersion)
        #expect(agreements.first?.client == "Chrome/156")
        #expect(try await fixture.account("bob@example.com").details.emailVerifiedTime != nil)
        #expect(try await fixture.audit("invitation.accepted", subject: bob.id).count == 1)
        _ = try await fixture.completeSignIn("bob@example.com", password: Self.newPassword)
        let again = await stewardError {
            _ = try await invitations.accept(
                token: token, password: Self.newPassword, agreedToPolicyVersion: fixture.configuration.policyVersion, from: fixture.client())
        }
        #expect(again?.kind == .conflict)
    }

    @Test func theLinkExpiresAfterSevenDays() async throws {
        let (_, _, token) = try await invite()
        fixture.clock.advance(milliseconds: 7 * 86_400_000)
        let error = await stewardError { _ = try await invitations.check(token: token) }
        #expect(error?.kind == .conflict)
        #expect(error?.message.contains("expired") == true)
    }
}
