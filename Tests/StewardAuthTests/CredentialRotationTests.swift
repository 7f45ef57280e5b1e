import Foundation
import GRDB
import StewardCore
@testable import StewardSQLite
import StewardStore
import Testing

@testable import StewardAuth

/// Refresh tokens work once (a reused one ends its session), and a new password ends the application keys too unless
/// the person keeps them.
@Suite struct CredentialRotationTests {
    let fixture: IdentityFixture

    init() throws { fixture = try IdentityFixture() }

    // MARK: Refresh tokens

    @Test func eachRefreshReturnsANewRefreshTokenAndTheOldOneStopsWorking() async throws {
        let user = try await fixture.makeAccount(email: "alice@example.com")
        let login = try await fixture.auth.login(email: "alice@example.com", password: IdentityFixture.password)
        let first = try await fixture.auth.refresh(login.refreshToken)
        #expect(first.refreshToken != login.refreshToken)
        #expect(try await fixture.auth.principal(fromAccessToken: first.token).userID == user.id)

        // The new refresh token works once too.
        let second = try await fixture.auth.refresh(first.refreshToken)
        #expect(try await fixture.auth.principal(fromAccessToken: second.token).userID == user.id)
        #expect(try await fixture.audit("session.refresh-token-reused").isEmpty)
    }

    @Test func aReusedRefreshTokenEndsTheSessionAndIsAudited() async throws {
        let user = try await fixture.makeAccount(email: "alice@example.com")
        let login = try await fixture.auth.login(email: "alice@example.com", password: IdentityFixture.password)
        let renewed = try await fixture.auth.refresh(login.refreshToken)

        let reuse = await stewardError {
            _ = try await fixture.auth.refresh(login.refreshToken, from: ClientInfo(ip: "203.0.113.9", client: "thief/1"))
        }
        #expect(reuse?.kind == .unauthorized)
        #expect(reuse?.message.contains("already used") == true)

        // Every token of the session is dead now: the old and the new access token, and the new refresh token.
        for token in [login.token, renewed.token] {
            #expect(await stewardError { _ = try await fixture.auth.principal(fromAccessToken: token) }?.kind == .unauthorized)
        }
        #expect(await stewardError { _ = try await fixture.auth.refresh(renewed.refreshToken) }?.kind == .unauthorized)

        let audit = try await fixture.audit("session.refresh-token-reused", subject: user.id)
        #expect(audit.count == 1)
        #expect(audit.first?.event.ip == "203.0.113.9")
        #expect(try await fixture.mails(to: "alice@example.com").contains { $0.body.contains("refresh") })

        // Other sessions are untouched.
        let other = try await fixture.auth.login(email: "alice@example.com", password: IdentityFixture.password)
        #expect(try await fixture.auth.principal(fromAccessToken: other.token).userID == user.id)
    }

    @Test func aSessionFromBeforeRotationAcceptsItsRefreshTokenOnce() async throws {
        // Sessions opened before the upgrade have no refresh hash: the first refresh starts the rotation.
        try await fixture.makeAccount(email: "alice@example.com")
        let login = try await fixture.auth.login(email: "alice@example.com", password: IdentityFixture.password)
        try await fixture.store.pool.write { db in try db.execute(sql: "UPDATE session SET refresh_hash = NULL") }
        _ = try await fixture.auth.refresh(login.refreshToken)
        #expect(await stewardError { _ = try await fixture.auth.refresh(login.refreshToken) }?.kind == .unauthorized)
    }

    // MARK: Application keys and new passwords

    func userWithKeys(_ count: Int) async throws -> (User, [String]) {
        let user = try await fixture.makeAccount(email: "alice@example.com")
        var keys: [String] = []
        for index in 0..<count {
            keys.append(try await fixture.apiKeys.create(for: user, name: "key \(index)", role: .full, credential: "test", from: fixture.client()).key)
        }
        return (user, keys)
    }

    func keyWorks(_ key: String) async -> Bool {
        (try? await fixture.apiKeys.authenticate(key, from: "198.51.100.7")) != nil
    }

    func resetToken() async throws -> String {
        try await fixture.reset.requestReset(email: "alice@example.com", from: fixture.client())
        return try #require(try await fixture.linkToken("/reset-password", to: "alice@example.com"))
    }

    @Test func aPasswordResetRevokesTheKeysByDefault() async throws {
        let (user, keys) = try await userWithKeys(2)
        let token = try await resetToken()
        #expect(try await fixture.reset.activeKeyCount(token: token) == 2)
        _ = try await fixture.reset.reset(token: token, newPassword: "marble-sunrise-871", from: fixture.client())
        for key in keys { #expect(await keyWorks(key) == false) }
        let audit = try await fixture.audit("api-key.revoked-all", subject: user.id)
        #expect(audit.first?.event.detail == "2 key(s) revoked with the password reset")
        #expect(try await fixture.audit("password.reset", subject: user.id).first?.event.detail == "application keys revoked: 2")
        #expect(try await fixture.mails(to: "alice@example.com").last?.body.contains("2 application key(s) were revoked") == true)
    }

    @Test func aPasswordResetKeepsTheKeysWhenAsked() async throws {
        let (user, keys) = try await userWithKeys(2)
        _ = try await fixture.reset.reset(
            token: try await resetToken(), newPassword: "marble-sunrise-871", revokeKeys: false, from: fixture.client())
        for key in keys { #expect(await keyWorks(key)) }
        #expect(try await fixture.audit("api-key.revoked-all", subject: user.id).isEmpty)
        #expect(
            try await fixture.audit("password.reset", subject: user.id).first?.event.detail
                == "application keys kept at the owner's choice")
    }

    @Test func aPasswordChangeRevokesTheKeysUnlessKept() async throws {
        let (user, keys) = try await userWithKeys(1)
        try await fixture.signIn.changePassword(
            user, current: IdentityFixture.password, new: "marble-sunrise-871", keepSession: nil, revokeKeys: false,
            from: fixture.client())
        #expect(await keyWorks(keys[0]))
        #expect(try await fixture.signIn.activeKeyCount(of: user.id) == 1)

        try await fixture.signIn.changePassword(
            user, current: "marble-sunrise-871", new: "copper-lantern-392", keepSession: nil, from: fixture.client())
        #expect(await keyWorks(keys[0]) == false)
        #expect(try await fixture.signIn.activeKeyCount(of: user.id) == 0)
        #expect(try await fixture.audit("api-key.revoked-all", subject: user.id).count == 1)
    }
}
