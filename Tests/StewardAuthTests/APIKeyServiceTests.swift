import Foundation
import GRDB
import StewardCore
@testable import StewardSQLite
import StewardStore
import Testing

@testable import StewardAuth

/// The REST API's sessions: a JWT pair bound to a server-side session.
@Suite struct AuthServiceSessionTests {
    let fixture: IdentityFixture
    init() throws { fixture = try IdentityFixture() }

    func sessionID(of token: String) throws -> String {
        try #require(try fixture.signer.verify(token)["sessionId"]?.stringValue)
    }

    // promise: TM-11
    @Test func loginOpensAnAPISession() async throws {
        let user = try await fixture.signUpAndConfirm()
        let (token, refreshToken, signedIn) = try await fixture.auth.login(
            email: "alice@example.com", password: IdentityFixture.password, from: fixture.client("203.0.113.5", "python-requests/2"))
        #expect(signedIn.id == user.id)

        let sessions = try await fixture.store.sessions(of: user.id)
        #expect(sessions.count == 1)
        let session = try #require(sessions.first)
        #expect(session.kind == .api)
        #expect(session.stage == .complete)
        #expect(session.secretHash == nil)
        #expect(session.ip == "203.0.113.5")
        #expect(try sessionID(of: token) == session.id)
        #expect(try sessionID(of: refreshToken) == session.id)
        #expect(try await fixture.store.signIns(of: user.id, limit: 1).first?.outcome == .success)
    }

    // promise: MB-7
    @Test func theAccessTokenResolvesToThePrincipalAndItsSession() async throws {
        let user = try await fixture.signUpAndConfirm()
        let (token, _, _) = try await fixture.auth.login(email: "alice@example.com", password: IdentityFixture.password)
        let principal = try await fixture.auth.principal(fromAccessToken: token)
        #expect(principal.userID == user.id)
        #expect(principal.credential == "session:\(try sessionID(of: token))")
        #expect(principal.readOnly == false)
    }

    @Test func logoutEndsTheAccessAndRefreshTokens() async throws {
        try await fixture.signUpAndConfirm()
        let (token, refreshToken, _) = try await fixture.auth.login(email: "alice@example.com", password: IdentityFixture.password)
        let principal = try await fixture.auth.principal(fromAccessToken: token)
        try await fixture.auth.logout(principal)

        #expect(try await fixture.store.session(id: try sessionID(of: token))?.revokedTime != nil)
        #expect(await stewardError { _ = try await fixture.auth.principal(fromAccessToken: token) }?.kind == .unauthorized)
        #expect(await stewardError { _ = try await fixture.auth.refresh(refreshToken) }?.kind == .unauthorized)
    }

    // promise: MB-13
    @Test func reportingLostCredentialsEndsEveryToken() async throws {
        let user = try await fixture.signUpAndConfirm()
        let first = try await fixture.auth.login(email: "alice@example.com", password: IdentityFixture.password)
        let second = try await fixture.auth.login(email: "alice@example.com", password: IdentityFixture.password)
        _ = try await fixture.signIn.reportLostCredentials(user, credential: "cli", from: fixture.client())

        for pair in [first, second] {
            #expect(await stewardError { _ = try await fixture.auth.principal(fromAccessToken: pair.token) }?.kind == .unauthorized)
            #expect(await stewardError { _ = try await fixture.auth.refresh(pair.refreshToken) }?.kind == .unauthorized)
        }
    }

    @Test func refreshFailsOnceTheSessionIsRevoked() async throws {
        let user = try await fixture.signUpAndConfirm()
        let (token, refreshToken, _) = try await fixture.auth.login(email: "alice@example.com", password: IdentityFixture.password)
        let refreshed = try await fixture.auth.refresh(refreshToken)
        try await fixture.signIn.revokeSession(try sessionID(of: token), of: user, by: "other", from: fixture.client())

        #expect(await stewardError { _ = try await fixture.auth.refresh(refreshToken) }?.kind == .unauthorized)
        #expect(await stewardError { _ = try await fixture.auth.refresh(refreshed.refreshToken) }?.kind == .unauthorized)
        #expect(await stewardError { _ = try await fixture.auth.principal(fromAccessToken: refreshed.token) }?.kind == .unauthorized)
        #expect(try await fixture.audit("session.revoked", subject: user.id).count == 1)
    }

    @Test func tokensStopWorkingWhenTheAccountIsDisabled() async throws {
        let user = try await fixture.signUpAndConfirm()
        let (token, refreshToken, _) = try await fixture.auth.login(email: "alice@example.com", password: IdentityFixture.password)
        try await fixture.store.apply([.setStatus(user.id, .disabled)])
        #expect(await stewardError { _ = try await fixture.auth.principal(fromAccessToken: token) }?.kind == .unauthorized)
        #expect(await stewardError { _ = try await fixture.auth.refresh(refreshToken) }?.kind == .unauthorized)
    }

    // promise: TM-11
    @Test(arguments: [SecondFactor.email, .totp])
    func anAccountWithASecondFactorCannotUseAPILogin(_ factor: SecondFactor) async throws {
        let user = try await fixture.signUpAndConfirm()
        switch factor {
        case .email:
            _ = try await fixture.twoFactor.enableEmailCodes(user, credential: "test", from: fixture.client())
        case .totp:
            let secret = TOTP.generateSecret()
            let code = secret.code(step: TOTP.step(at: fixture.clock.current))
            _ = try await fixture.twoFactor.enableTOTP(user, secret: secret.base32, code: code, credential: "test", from: fixture.client())
        }
        let mailsBefore = try await fixture.mails().count

        let error = await stewardError { _ = try await fixture.auth.login(email: "alice@example.com", password: IdentityFixture.password) }
        #expect(error?.kind == .unauthorized)
        #expect(error?.message.contains("application key") == true)
        #expect(try await fixture.count("session") == 0)
        #expect(try await fixture.signInOutcomes(email: "alice@example.com").last == "awaiting-factor")
        // No sign-in code is mailed for a login that cannot continue.
        #expect(try await fixture.mails().count == mailsBefore)
    }

    /// An API session is created with `expiresTime` (7 days) like a web session. A refresh token renews itself, so
    /// without a server-side expiry check the session lives forever, while the Security page (which lists only
    /// `isLive` sessions) no longer shows it to its owner.
    @Test func anAPISessionPastItsExpiryNoLongerAuthorizes() async throws {
        let eightDays: Int64 = 8 * 24 * 3_600_000
        let fixture = try IdentityFixture(start: WallClock.nowMillis() - eightDays)
        try await fixture.makeAccount(email: "alice@example.com")
        let (token, refreshToken, _) = try await fixture.auth.login(email: "alice@example.com", password: IdentityFixture.password)
        fixture.clock.set(WallClock.nowMillis())
        let session = try #require(try await fixture.store.session(id: try fixture.signer.verify(token)["sessionId"]?.stringValue ?? ""))
        #expect(!session.isLive(at: fixture.clock.current))

        #expect(await stewardError { _ = try await fixture.auth.principal(fromAccessToken: token) }?.kind == .unauthorized)
        #expect(await stewardError { _ = try await fixture.auth.refresh(refreshToken) }?.kind == .unauthorized)
    }
}

/// Application keys.
@Suite struct APIKeyServiceTests {
    let fixture: IdentityFixture
    init() throws { fixture = try IdentityFixture() }

    static func isAlphanumeric(_ text: Substring) -> Bool {
        text.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) }
    }

    // promise: TM-11
    @Test func aNewKeyHasTheDocumentedShapeAndOnlyItsDigestIsStored() async throws {
        let user = try await fixture.signUpAndConfirm()
        let (record, key) = try await fixture.apiKeys.create(
            for: user, name: "  Grafana  ", role: .full, credential: "session:abc", from: fixture.client("203.0.113.5"))

        let parts = key.split(separator: "_", omittingEmptySubsequences: false)
        #expect(parts.count == 3)
        #expect(parts.first == "stw")
        let prefix = try #require(parts.count == 3 ? parts[1] : nil)
        let secret = try #require(parts.count == 3 ? parts[2] : nil)
        #expect(prefix.count == 12 && Self.isAlphanumeric(prefix))
        #expect(secret.count == 40 && Self.isAlphanumeric(secret))
        #expect(record.prefix == String(prefix))
        #expect(record.name == "Grafana")
        #expect(record.userID == user.id)
        #expect(record.tenantID == user.tenantID)
        #expect(record.createdTime == IdentityFixture.start)
        #expect(record.secretHash == Secrets.sha256Hex(String(secret)))

        // No column of the stored key contains the secret.
        let columns = try await fixture.store.pool.read { db -> [[String]] in
            try Row.fetchAll(db, sql: "SELECT * FROM api_key").flatMap { row in
                row.columnNames.map { [$0, (row[$0] as DatabaseValue).description] }
            }
        }
        #expect(columns.count >= 8)
        for column in columns {
            #expect(!column[1].contains(String(secret)), "column \(column[0]) holds the secret")
        }
        #expect(try await fixture.store.apiKey(prefix: String(prefix)) == record)

        let audit = try await fixture.audit("api-key.created", subject: user.id)
        #expect(audit.count == 1)
        #expect(audit.first?.event.detail.contains(String(secret)) == false)
        #expect(audit.first?.event.credential == "session:abc")
    }

    @Test func twoKeysDiffer() async throws {
        let user = try await fixture.signUpAndConfirm()
        let (a, keyA) = try await fixture.apiKeys.create(for: user, name: "a", role: .full, credential: "t", from: fixture.client())
        let (b, keyB) = try await fixture.apiKeys.create(for: user, name: "b", role: .full, credential: "t", from: fixture.client())
        #expect(keyA != keyB)
        #expect(a.prefix != b.prefix)
        #expect(a.id != b.id)
    }

    @Test(arguments: ["", "   ", String(repeating: "k", count: 101)])
    func aKeyNeedsAReasonableName(_ name: String) async throws {
        let user = try await fixture.signUpAndConfirm()
        #expect(
            await stewardError { _ = try await fixture.apiKeys.create(for: user, name: name, role: .full, credential: "t", from: fixture.client()) }?
                .kind == .badRequest)
        #expect(try await fixture.count("api_key") == 0)
    }

    // promise: TM-11
    @Test func aKeyAuthenticatesAndRecordsItsLastUse() async throws {
        let user = try await fixture.signUpAndConfirm()
        let (record, key) = try await fixture.apiKeys.create(for: user, name: "ci", role: .full, credential: "t", from: fixture.client())
        #expect(record.lastUsedTime == nil)

        fixture.clock.advance(minutes: 5)
        let (found, account) = try await fixture.apiKeys.authenticate(key, from: "192.0.2.10")
        #expect(found.id == record.id)
        #expect(account.user.id == user.id)
        var stored = try #require(try await fixture.store.apiKey(prefix: record.prefix))
        #expect(stored.lastUsedTime == IdentityFixture.start + 5 * 60_000)
        #expect(stored.lastUsedIP == "192.0.2.10")

        // Within a minute from the same address the row is not rewritten; from another address it is.
        fixture.clock.advance(seconds: 30)
        _ = try await fixture.apiKeys.authenticate(key, from: "192.0.2.10")
        stored = try #require(try await fixture.store.apiKey(prefix: record.prefix))
        #expect(stored.lastUsedTime == IdentityFixture.start + 5 * 60_000)
        _ = try await fixture.apiKeys.authenticate(key, from: "192.0.2.11")
        stored = try #require(try await fixture.store.apiKey(prefix: record.prefix))
        #expect(stored.lastUsedTime == IdentityFixture.start + 5 * 60_000 + 30_000)
        #expect(stored.lastUsedIP == "192.0.2.11")
    }

    // promise: MB-7
    @Test func thePrincipalOfAKeyNamesTheKeyAndItsRole() async throws {
        let user = try await fixture.signUpAndConfirm()
        let (full, fullKey) = try await fixture.apiKeys.create(for: user, name: "full", role: .full, credential: "t", from: fixture.client())
        let (readOnly, readKey) = try await fixture.apiKeys.create(for: user, name: "ro", role: .readOnly, credential: "t", from: fixture.client())

        let fullPrincipal = try await fixture.auth.principal(fromAPIKey: fullKey, ip: "192.0.2.10")
        #expect(fullPrincipal.userID == user.id)
        #expect(fullPrincipal.tenantID == user.tenantID)
        #expect(fullPrincipal.credential == "api-key:\(full.id)")
        #expect(fullPrincipal.readOnly == false)

        let readPrincipal = try await fixture.auth.principal(fromAPIKey: readKey, ip: "192.0.2.10")
        #expect(readPrincipal.credential == "api-key:\(readOnly.id)")
        #expect(readPrincipal.readOnly == true)
        // AuthService's key service runs on the wall clock: only check that the use was recorded.
        #expect(try await fixture.store.apiKey(prefix: readOnly.prefix)?.lastUsedIP == "192.0.2.10")
        #expect(try await fixture.store.apiKey(prefix: readOnly.prefix)?.lastUsedTime != nil)
    }

    // promise: TM-11
    @Test func aRevokedKeyIsRefused() async throws {
        let user = try await fixture.signUpAndConfirm()
        let (record, key) = try await fixture.apiKeys.create(for: user, name: "ci", role: .full, credential: "t", from: fixture.client())
        let (other, otherKey) = try await fixture.apiKeys.create(for: user, name: "keep", role: .full, credential: "t", from: fixture.client())
        fixture.clock.advance(minutes: 1)
        try await fixture.apiKeys.revoke(id: record.id, of: user, credential: "session:x", from: fixture.client())
        #expect(try await fixture.store.apiKey(prefix: record.prefix)?.revokedTime == IdentityFixture.start + 60_000)

        let error = await stewardError { _ = try await fixture.auth.principal(fromAPIKey: key, ip: "192.0.2.10") }
        #expect(error?.kind == .unauthorized)
        #expect(error?.message.contains("revoked") == true)
        #expect(try await fixture.auth.principal(fromAPIKey: otherKey, ip: "192.0.2.10").credential == "api-key:\(other.id)")
        #expect(try await fixture.audit("api-key.revoked", subject: user.id).count == 1)
        // Revoking twice finds no active key.
        #expect(
            await stewardError { try await fixture.apiKeys.revoke(id: record.id, of: user, credential: "t", from: fixture.client()) }?.kind
                == .notFound)
    }

    @Test func nobodyRevokesAnotherPersonsKey() async throws {
        let user = try await fixture.signUpAndConfirm()
        let mallory = try await fixture.makeAccount(email: "mallory@example.com")
        let (record, key) = try await fixture.apiKeys.create(for: user, name: "ci", role: .full, credential: "t", from: fixture.client())
        #expect(
            await stewardError { try await fixture.apiKeys.revoke(id: record.id, of: mallory, credential: "t", from: fixture.client()) }?.kind
                == .notFound)
        _ = try await fixture.apiKeys.authenticate(key, from: "192.0.2.10")
    }

    // promise: TM-11
    @Test func aTamperedOrMalformedKeyIsRefused() async throws {
        let user = try await fixture.signUpAndConfirm()
        let (record, key) = try await fixture.apiKeys.create(for: user, name: "ci", role: .full, credential: "t", from: fixture.client())
        let last = key.last!
        let tampered = String(key.dropLast()) + (last == "a" ? "b" : "a")
        let secret = key.split(separator: "_")[2]
        let candidates = [
            tampered,
            String(key.dropLast()),
            "stw_\(record.prefix)_",
            "stw_XXXXXXXXXXXX_\(secret)",
            "xyz_\(record.prefix)_\(secret)",
            "stw_\(record.prefix)_\(secret)_extra",
            record.secretHash,
            "",
        ]
        for candidate in candidates {
            let error = await stewardError { _ = try await fixture.apiKeys.authenticate(candidate, from: "192.0.2.10") }
            #expect(error?.kind == .unauthorized, "\(candidate)")
        }
        #expect(try await fixture.store.apiKey(prefix: record.prefix)?.lastUsedTime == nil)
    }

    @Test func theKeyOfADisabledAccountIsRefused() async throws {
        let user = try await fixture.signUpAndConfirm()
        let (_, key) = try await fixture.apiKeys.create(for: user, name: "ci", role: .full, credential: "t", from: fixture.client())
        try await fixture.store.apply([.setStatus(user.id, .disabled)])
        #expect(await stewardError { _ = try await fixture.apiKeys.authenticate(key, from: "192.0.2.10") }?.kind == .unauthorized)
    }
}
