import Foundation
import StewardCore
import StewardStore
import Testing

/// The contract of `IdentityStore`, part one: accounts, the all-or-nothing `apply`, one-time tokens, sessions, API keys
/// and second factors. Everything is written through `apply` (`IdentityChange`) and read back through the protocol.
extension StoreContract {
    // MARK: - Helpers

    /// A tenant and an account in it, written through `apply` as sign-up does.
    @discardableResult
    static func account(
        _ s: StoresUnderTest, email: String, tenant: TenantID? = nil, status: AccountStatus = .active, createdTime: Int64 = 1_000,
        details: AccountDetails? = nil
    ) async throws -> User {
        let (user, changes) = NewAccount.changes(
            email: email, passwordHash: "hash-of-\(email)", tenant: tenant,
            details: details ?? AccountDetails(status: status, emailVerifiedTime: status == .active ? createdTime : nil),
            createdTime: createdTime)
        try await s.identity.apply(changes)
        return user
    }

    static func session(
        _ id: String, user: UserID, secretHash: String? = nil, kind: Session.Kind = .web, stage: Session.Stage = .complete,
        lastSeen: Int64 = 1_000
    ) -> Session {
        Session(
            id: id, secretHash: secretHash, userID: user, kind: kind, stage: stage, csrfSecret: "csrf-\(id)", createdTime: 1_000,
            lastSeenTime: lastSeen, expiresTime: 1_000_000, ip: "198.51.100.7", client: "Firefox/140")
    }

    // MARK: - Accounts

    /// An account written by `apply(.createUser)` is found by its id and by its email in any letter case, with every
    /// detail sign-up stores; an unknown address or id finds nothing, and a second account with the same address in
    /// another case is refused as a conflict.
    public static func accountsAreFoundByEmailInAnyCaseAndByID(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let details = AccountDetails(
                status: .awaitingParent, emailVerifiedTime: 1_500, company: "Acme", phone: "+43 1 234", jurisdiction: "AT",
                ageBasis: "self-declared", parentEmail: "parent@example.com")
            let user = try await account(s, email: "Alice@Example.com", details: details)

            let byEmail = try #require(try await s.identity.account(email: "alice@EXAMPLE.COM"))
            #expect(byEmail.user == user)
            #expect(byEmail.details == details)
            #expect(byEmail.passwordHash == "hash-of-Alice@Example.com")
            #expect(try await s.identity.account(email: "Alice@Example.com") == byEmail)
            #expect(try await s.identity.account(id: user.id) == byEmail)
            #expect(try await s.identity.account(email: "bob@example.com") == nil)
            #expect(try await s.identity.account(id: UserID()) == nil)
            // The data-plane view of the same account.
            #expect(try await s.accounts.user(id: user.id) == user)

            await expectStewardError(.conflict) { try await account(s, email: "ALICE@example.com", tenant: user.tenantID) }
            #expect(try await s.accounts.userCount() == 1)
        }
    }

    /// Profile, picture, password, status, verification, age basis and lock changes made through `apply` are what the
    /// account reads back; clearing the picture removes it.
    public static func accountUpdatesThroughApply(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let user = try await account(s, email: "alice@example.com", status: .awaitingEmail)
            let other = try await account(s, email: "bob@example.com")

            try await s.identity.apply([
                .updateProfile(user.id, firstName: "Alicia", company: "Acme", phone: "+1 555"),
                .setPasswordHash(user.id, "new-hash"),
                .markEmailVerified(user.id, at: 2_000),
                .setStatus(user.id, .active),
                .setAgeBasis(user.id, "parent-confirmed"),
                .lockAccount(user.id, until: 9_000),
                .setPicture(user.id, bytes: [1, 2, 3, 0, 255], contentType: "image/png"),
            ])
            let record = try #require(try await s.identity.account(id: user.id))
            #expect(record.user.firstName == "Alicia")
            #expect(record.user.email == "alice@example.com")
            #expect(record.details.company == "Acme")
            #expect(record.details.phone == "+1 555")
            #expect(record.passwordHash == "new-hash")
            #expect(record.details.emailVerifiedTime == 2_000)
            #expect(record.details.status == .active)
            #expect(record.details.ageBasis == "parent-confirmed")
            #expect(record.details.lockedUntil == 9_000)
            #expect(record.details.hasPicture)
            let picture = try #require(try await s.identity.picture(of: user.id))
            #expect(picture.bytes == [1, 2, 3, 0, 255])
            #expect(picture.contentType == "image/png")
            #expect(try await s.identity.picture(of: other.id) == nil)
            // Nothing leaked into the other account.
            let untouched = try #require(try await s.identity.account(id: other.id))
            #expect(untouched.user.firstName == "Test" && untouched.details.company == nil && untouched.passwordHash == "hash-of-bob@example.com")

            try await s.identity.apply([
                .updateProfile(user.id, firstName: nil, company: nil, phone: nil), .setPicture(user.id, bytes: nil, contentType: nil),
                .lockAccount(user.id, until: nil),
            ])
            let cleared = try #require(try await s.identity.account(id: user.id))
            #expect(cleared.user.firstName == nil && cleared.details.company == nil && cleared.details.phone == nil)
            #expect(cleared.details.hasPicture == false && cleared.details.lockedUntil == nil)
            #expect(try await s.identity.picture(of: user.id) == nil)
        }
    }

    /// `apply` is one transaction: when a change fails, the changes before it in the same call are not kept (no
    /// account, no token, no audit entry), and the failure is the change's own error.
    public static func applyIsAllOrNothing(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let tenant = Tenant(name: "Half", createdTime: 1)
            let user = User(tenantID: tenant.id, customerID: nil, email: "half@example.com", authority: .tenantAdmin, createdTime: 1)
            await expectStewardError(.conflict) {
                try await s.identity.apply([
                    .createTenant(tenant),
                    .createUser(user, passwordHash: "h", details: AccountDetails()),
                    .audit(AuditEvent(time: 1, tenantID: tenant.id, actorID: nil, credential: nil, subjectID: user.id, event: "test.half")),
                    .consumeToken(hash: "no-such-token", purpose: .resetPassword, at: 1),
                ])
            }
            let account = try await s.identity.account(email: "half@example.com")
            #expect(account == nil)
            #expect(try await s.accounts.tenant(id: tenant.id) == nil)
            #expect(try await s.identity.auditEntries(tenant: nil, subject: nil, event: nil, limit: 10).isEmpty)
            #expect(try await s.identity.verifyAuditChain() == .intact(entries: 0))
        }
    }

    // MARK: - One-time tokens

    /// A token is found by its hash as issued; it is consumed once, for its own purpose and before it expires; a second
    /// use, a use for another purpose or after expiry fails with `conflict`; voiding marks every unused token of one
    /// purpose of one account used and leaves the rest.
    public static func oneTimeTokensAreUsedOnce(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let user = try await account(s, email: "alice@example.com")
            let other = try await account(s, email: "bob@example.com")
            let reset = OneTimeToken(hash: "reset-1", userID: user.id, purpose: .resetPassword, createdTime: 1_000, expiresTime: 5_000)
            try await s.identity.apply([.issueToken(reset)])
            #expect(try await s.identity.token(hash: "reset-1") == reset)
            #expect(try await s.identity.token(hash: "unknown") == nil)

            await expectStewardError(.conflict) {
                try await s.identity.apply([.consumeToken(hash: "reset-1", purpose: .confirmEmail, at: 2_000)])
            }
            #expect(try await s.identity.token(hash: "reset-1")?.usedTime == nil)
            try await s.identity.apply([.consumeToken(hash: "reset-1", purpose: .resetPassword, at: 2_000)])
            #expect(try await s.identity.token(hash: "reset-1")?.usedTime == 2_000)
            await expectStewardError(.conflict) {
                try await s.identity.apply([.consumeToken(hash: "reset-1", purpose: .resetPassword, at: 2_001)])
            }
            #expect(try await s.identity.token(hash: "reset-1")?.usedTime == 2_000)

            // Expired: the expiry time itself is already too late.
            try await s.identity.apply([
                .issueToken(OneTimeToken(hash: "confirm-1", userID: user.id, purpose: .confirmEmail, createdTime: 1_000, expiresTime: 3_000))
            ])
            await expectStewardError(.conflict) {
                try await s.identity.apply([.consumeToken(hash: "confirm-1", purpose: .confirmEmail, at: 3_000)])
            }
            #expect(try await s.identity.token(hash: "confirm-1")?.usedTime == nil)

            try await s.identity.apply([
                .issueToken(OneTimeToken(hash: "code-1", userID: user.id, purpose: .signInCode, createdTime: 1_000, expiresTime: 9_000)),
                .issueToken(OneTimeToken(hash: "code-2", userID: user.id, purpose: .signInCode, createdTime: 1_100, expiresTime: 9_000)),
                .issueToken(OneTimeToken(hash: "code-bob", userID: other.id, purpose: .signInCode, createdTime: 1_100, expiresTime: 9_000)),
                .voidTokens(user.id, purpose: .signInCode, at: 4_000),
                .issueToken(OneTimeToken(hash: "code-3", userID: user.id, purpose: .signInCode, createdTime: 4_000, expiresTime: 9_000)),
            ])
            #expect(try await s.identity.token(hash: "code-1")?.usedTime == 4_000)
            #expect(try await s.identity.token(hash: "code-2")?.usedTime == 4_000)
            #expect(try await s.identity.token(hash: "code-3")?.usedTime == nil)
            #expect(try await s.identity.token(hash: "code-bob")?.usedTime == nil)
            #expect(try await s.identity.token(hash: "confirm-1")?.usedTime == nil)  // another purpose
            #expect(try await s.identity.token(hash: "reset-1")?.usedTime == 2_000)  // already used: unchanged
            await expectStewardError(.conflict) {
                try await s.identity.apply([.consumeToken(hash: "code-1", purpose: .signInCode, at: 4_500)])
            }
            try await s.identity.apply([.consumeToken(hash: "code-3", purpose: .signInCode, at: 4_500)])
        }
    }

    // MARK: - Sessions

    /// Sessions are found by id and by the hash of their cookie secret and listed per account, most recently seen
    /// first; touching records activity only when the last was more than a minute earlier; a half-open session is
    /// promoted once; revoking ends one session of its own account only, or all of them.
    public static func sessionsCreateFindTouchPromoteRevoke(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let user = try await account(s, email: "alice@example.com")
            let other = try await account(s, email: "bob@example.com")
            let web = session("web-1", user: user.id, secretHash: "secret-1", lastSeen: 1_000)
            let api = session("api-1", user: user.id, kind: .api, lastSeen: 2_000)
            let half = session("half-1", user: user.id, secretHash: "secret-half", stage: .secondFactor, lastSeen: 1_500)
            let bobs = session("bob-1", user: other.id, secretHash: "secret-bob")
            try await s.identity.apply([.createSession(web), .createSession(api), .createSession(half), .createSession(bobs)])

            #expect(try await s.identity.session(id: "web-1") == web)
            #expect(try await s.identity.session(id: "api-1") == api)
            #expect(try await s.identity.session(secretHash: "secret-1") == web)
            #expect(try await s.identity.session(secretHash: "secret-bob") == bobs)
            #expect(try await s.identity.session(id: "nope") == nil)
            #expect(try await s.identity.session(secretHash: "nope") == nil)
            #expect(try await s.identity.sessions(of: user.id).map(\.id) == ["api-1", "half-1", "web-1"])
            #expect(try await s.identity.sessions(of: other.id) == [bobs])

            // At most once a minute.
            try await s.identity.touchSession(id: "web-1", at: 1_000 + 30_000)
            #expect(try await s.identity.session(id: "web-1")?.lastSeenTime == 1_000)
            try await s.identity.touchSession(id: "web-1", at: 1_000 + 61_000)
            #expect(try await s.identity.session(id: "web-1")?.lastSeenTime == 62_000)
            #expect(try await s.identity.sessions(of: user.id).first?.id == "web-1")

            try await s.identity.apply([.promoteSession(id: "half-1", newSecretHash: "secret-full", csrfSecret: "csrf-new")])
            let promoted = try #require(try await s.identity.session(id: "half-1"))
            #expect(promoted.stage == .complete && promoted.secretHash == "secret-full" && promoted.csrfSecret == "csrf-new")
            #expect(try await s.identity.session(secretHash: "secret-half") == nil)
            #expect(try await s.identity.session(secretHash: "secret-full")?.id == "half-1")

            // Another account's id revokes nothing.
            try await s.identity.apply([.revokeSession(id: "web-1", userID: other.id, at: 70_000)])
            #expect(try await s.identity.session(id: "web-1")?.revokedTime == nil)
            try await s.identity.apply([.revokeSession(id: "web-1", userID: user.id, at: 70_000)])
            #expect(try await s.identity.session(id: "web-1")?.revokedTime == 70_000)
            #expect(try await s.identity.session(id: "web-1")?.isLive(at: 70_001) == false)
            // A revoked session is not promoted, and revoking again keeps the first time.
            await expectStewardError(.unauthorized) {
                try await s.identity.apply([.promoteSession(id: "web-1", newSecretHash: "x", csrfSecret: "y")])
            }
            try await s.identity.apply([.revokeSession(id: "web-1", userID: user.id, at: 80_000)])
            #expect(try await s.identity.session(id: "web-1")?.revokedTime == 70_000)

            try await s.identity.apply([.revokeAllSessions(user.id, at: 90_000)])
            let revoked = Dictionary(uniqueKeysWithValues: try await s.identity.sessions(of: user.id).map { ($0.id, $0.revokedTime) })
            #expect(revoked == ["web-1": 70_000, "api-1": 90_000, "half-1": 90_000])
            #expect(try await s.identity.session(id: "bob-1")?.revokedTime == nil)
        }
    }

    /// The refresh token of an API session rotates from the recorded hash only, so each works once: a stale or
    /// repeated `from` fails with `conflict`, and a revoked session does not rotate.
    public static func refreshTokensRotateOnce(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let user = try await account(s, email: "alice@example.com")
            try await s.identity.apply([.createSession(session("api-1", user: user.id, kind: .api))])
            try await s.identity.apply([.rotateRefreshToken(sessionID: "api-1", from: nil, to: "r1")])
            #expect(try await s.identity.session(id: "api-1")?.refreshHash == "r1")
            await expectStewardError(.conflict) { try await s.identity.apply([.rotateRefreshToken(sessionID: "api-1", from: nil, to: "r2")]) }
            try await s.identity.apply([.rotateRefreshToken(sessionID: "api-1", from: "r1", to: "r2")])
            await expectStewardError(.conflict) { try await s.identity.apply([.rotateRefreshToken(sessionID: "api-1", from: "r1", to: "r3")]) }
            #expect(try await s.identity.session(id: "api-1")?.refreshHash == "r2")
            await expectStewardError(.conflict) { try await s.identity.apply([.rotateRefreshToken(sessionID: "nope", from: nil, to: "r")]) }
            try await s.identity.apply([.revokeSession(id: "api-1", userID: user.id, at: 5_000)])
            await expectStewardError(.conflict) { try await s.identity.apply([.rotateRefreshToken(sessionID: "api-1", from: "r2", to: "r3")]) }
            #expect(try await s.identity.session(id: "api-1")?.refreshHash == "r2")
        }
    }

    // MARK: - API keys

    /// API keys are found by prefix and listed per account, newest first; touching records the time and address of
    /// the last use; a key is revoked once by its own account (otherwise `notFound`), or with all of the account's keys.
    public static func apiKeysCreateFindTouchRevoke(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let user = try await account(s, email: "alice@example.com")
            let other = try await account(s, email: "bob@example.com")
            let older = APIKeyRecord(
                id: "key-1", prefix: "pfx1", secretHash: "s1", userID: user.id, tenantID: user.tenantID, name: "CI", role: .full,
                createdTime: 1_000)
            let newer = APIKeyRecord(
                id: "key-2", prefix: "pfx2", secretHash: "s2", userID: user.id, tenantID: nil, name: "Dashboard", role: .readOnly,
                createdTime: 2_000)
            let bobs = APIKeyRecord(
                id: "key-3", prefix: "pfx3", secretHash: "s3", userID: other.id, tenantID: other.tenantID, name: "Bob", role: .full,
                createdTime: 1_500)
            try await s.identity.apply([.createAPIKey(older), .createAPIKey(newer), .createAPIKey(bobs)])

            #expect(try await s.identity.apiKey(prefix: "pfx1") == older)
            #expect(try await s.identity.apiKey(prefix: "pfx2") == newer)
            #expect(try await s.identity.apiKey(prefix: "nope") == nil)
            #expect(try await s.identity.apiKeys(of: user.id) == [newer, older])
            #expect(try await s.identity.apiKeys(of: other.id) == [bobs])
            await expectStewardError(.conflict) {
                try await s.identity.apply([
                    .createAPIKey(
                        APIKeyRecord(
                            id: "key-4", prefix: "pfx1", secretHash: "s4", userID: user.id, tenantID: nil, name: "Same prefix",
                            role: .full, createdTime: 3_000))
                ])
            }

            try await s.identity.touchAPIKey(id: "key-1", at: 5_000, ip: "203.0.113.9")
            let touched = try #require(try await s.identity.apiKey(prefix: "pfx1"))
            #expect(touched.lastUsedTime == 5_000 && touched.lastUsedIP == "203.0.113.9")
            #expect(try await s.identity.apiKey(prefix: "pfx2")?.lastUsedTime == nil)

            await expectStewardError(.notFound) { try await s.identity.apply([.revokeAPIKey(id: "key-1", userID: other.id, at: 6_000)]) }
            #expect(try await s.identity.apiKey(prefix: "pfx1")?.revokedTime == nil)
            try await s.identity.apply([.revokeAPIKey(id: "key-1", userID: user.id, at: 6_000)])
            #expect(try await s.identity.apiKey(prefix: "pfx1")?.revokedTime == 6_000)
            await expectStewardError(.notFound) { try await s.identity.apply([.revokeAPIKey(id: "key-1", userID: user.id, at: 7_000)]) }
            #expect(try await s.identity.apiKey(prefix: "pfx1")?.revokedTime == 6_000)

            try await s.identity.apply([.revokeAllAPIKeys(user.id, at: 8_000)])
            #expect(try await s.identity.apiKeys(of: user.id).map(\.revokedTime) == [8_000, 6_000])
            #expect(try await s.identity.apiKey(prefix: "pfx3")?.revokedTime == nil)
        }
    }

    // MARK: - Second factors

    /// A TOTP step is accepted only when it is later than the last accepted one (`unauthorized` otherwise), and setting
    /// the factor again forgets the last step; recovery codes are replaced as a set and each is used once
    /// (`unauthorized` for a used or unknown code).
    public static func secondFactorStepsAndRecoveryCodesAreUsedOnce(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let user = try await account(s, email: "alice@example.com")
            let other = try await account(s, email: "bob@example.com")
            try await s.identity.apply([.setSecondFactor(user.id, .totp, totpSecret: "BASE32SECRET"), .acceptTOTPStep(user.id, step: 100)])
            var details = try #require(try await s.identity.account(id: user.id)).details
            #expect(details.secondFactor == .totp && details.totpSecret == "BASE32SECRET" && details.totpLastStep == 100)
            await expectStewardError(.unauthorized) { try await s.identity.apply([.acceptTOTPStep(user.id, step: 100)]) }
            await expectStewardError(.unauthorized) { try await s.identity.apply([.acceptTOTPStep(user.id, step: 99)]) }
            try await s.identity.apply([.acceptTOTPStep(user.id, step: 101)])
            #expect(try await s.identity.account(id: user.id)?.details.totpLastStep == 101)

            try await s.identity.apply([.setSecondFactor(user.id, .email, totpSecret: nil)])
            details = try #require(try await s.identity.account(id: user.id)).details
            #expect(details.secondFactor == .email && details.totpSecret == nil && details.totpLastStep == nil)
            try await s.identity.apply([.setSecondFactor(user.id, nil, totpSecret: nil)])
            #expect(try await s.identity.account(id: user.id)?.details.secondFactor == nil)

            try await s.identity.apply([.replaceRecoveryCodes(user.id, hashes: ["c1", "c2", "c3"]), .replaceRecoveryCodes(other.id, hashes: ["b1"])])
            #expect(try await s.identity.unusedRecoveryCodeCount(of: user.id) == 3)
            try await s.identity.apply([.useRecoveryCode(user.id, hash: "c2", at: 1_000)])
            #expect(try await s.identity.unusedRecoveryCodeCount(of: user.id) == 2)
            await expectStewardError(.unauthorized) { try await s.identity.apply([.useRecoveryCode(user.id, hash: "c2", at: 1_001)]) }
            await expectStewardError(.unauthorized) { try await s.identity.apply([.useRecoveryCode(user.id, hash: "zz", at: 1_001)]) }
            // Bound to their account.
            await expectStewardError(.unauthorized) { try await s.identity.apply([.useRecoveryCode(user.id, hash: "b1", at: 1_001)]) }
            #expect(try await s.identity.unusedRecoveryCodeCount(of: other.id) == 1)

            try await s.identity.apply([.replaceRecoveryCodes(user.id, hashes: ["d1", "d2"])])
            #expect(try await s.identity.unusedRecoveryCodeCount(of: user.id) == 2)
            await expectStewardError(.unauthorized) { try await s.identity.apply([.useRecoveryCode(user.id, hash: "c1", at: 1_002)]) }
            try await s.identity.apply([.replaceRecoveryCodes(user.id, hashes: [])])
            #expect(try await s.identity.unusedRecoveryCodeCount(of: user.id) == 0)
        }
    }
}
