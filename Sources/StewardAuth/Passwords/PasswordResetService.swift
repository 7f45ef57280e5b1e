import Foundation
import StewardCore
import StewardStore

/// "Forgot password": a single-use, expiring link by mail. The request answers the same whether or not the email
/// is registered; passwords are never shown or sent.
public struct PasswordResetService: Sendable {
    public let store: any IdentityStore
    public let hasher: PasswordHasher
    public let configuration: IdentityConfiguration
    let mail: AccountMail
    let now: @Sendable () -> Int64

    public init(
        store: any IdentityStore, hasher: PasswordHasher, configuration: IdentityConfiguration,
        now: @escaping @Sendable () -> Int64 = WallClock.nowMillis
    ) {
        self.store = store
        self.hasher = hasher
        self.configuration = configuration
        self.mail = AccountMail(configuration: configuration)
        self.now = now
    }

    /// Mails a reset link if the address belongs to an account; otherwise does nothing visible. Either way the same
    /// work is done (one lookup, one transaction that counts the request against the address's and the client's
    /// allowance), and beyond the allowance no link is issued and no mail sent, with the same answer.
    public func requestReset(email rawEmail: String, from client: ClientInfo) async throws {
        guard let email = try? FieldRules.email(rawEmail) else { return }
        let account = try await store.account(email: email)
        let token = Secrets.token()
        let time = now()
        var changes: [IdentityChange] = []
        if let account {
            changes = [
                .voidTokens(account.user.id, purpose: .resetPassword, at: time),
                .issueToken(
                    OneTimeToken(
                        hash: Secrets.sha256Hex(token), userID: account.user.id, purpose: .resetPassword, createdTime: time,
                        expiresTime: time + configuration.resetLinkLifetime)),
                .enqueueMail(mail.resetPassword(to: email, token: token)),
                .audit(
                    AuditEvent(
                        time: time, tenantID: account.user.tenantID, actorID: nil, credential: "anonymous", subjectID: account.user.id,
                        event: "password.reset-requested", ip: client.ip)),
            ]
        }
        try await store.apply([
            .withinMailAllowance(configuration.mailAllowance("password-reset", to: email, from: client, at: time), then: changes)
        ])
    }

    /// Checks a reset link before the form is shown.
    public func check(token: String) async throws -> User {
        try await OneTimeLinks.valid(token, purpose: .resetPassword, store: store, now: now()).0.user
    }

    /// The application keys of the account a reset link belongs to that still work: the reset page offers to revoke
    /// them.
    public func activeKeyCount(token: String) async throws -> Int {
        let user = try await check(token: token)
        return try await store.apiKeys(of: user.id).filter { $0.revokedTime == nil }.count
    }

    /// Sets the new password, spends the link, ends every session (whoever knew the old password is out) and
    /// lifts a lock. Following the link also proves the address, so a pending account is confirmed. Unless the
    /// person unticks it, every application key is revoked in the same transaction: a key made by whoever knew the
    /// old password would otherwise outlive it.
    public func reset(token: String, newPassword: String, revokeKeys: Bool = true, from client: ClientInfo) async throws -> User {
        let (account, hash) = try await OneTimeLinks.valid(token, purpose: .resetPassword, store: store, now: now())
        try PasswordPolicy().check(newPassword, email: account.user.email)
        let time = now()
        let keys = revokeKeys ? try await store.apiKeys(of: account.user.id).filter { $0.revokedTime == nil }.count : 0
        var changes: [IdentityChange] = [
            .consumeToken(hash: hash, purpose: .resetPassword, at: time),
            .setPasswordHash(account.user.id, await hasher.hash(newPassword)),
            .revokeAllSessions(account.user.id, at: time),
            .lockAccount(account.user.id, until: nil),
            .enqueueMail(
                mail.securityChange(
                    to: account.user.email,
                    what: "The password of your account was reset with a mailed link." + KeyRevocation.sentence(revokeKeys, keys))),
            .audit(
                AuditEvent(
                    time: time, tenantID: account.user.tenantID, actorID: account.user.id, credential: "reset-link",
                    subjectID: account.user.id, event: "password.reset", detail: KeyRevocation.detail(revokeKeys, keys),
                    ip: client.ip)),
        ]
        if revokeKeys {
            changes += KeyRevocation.changes(
                account.user, keys: keys, at: time, credential: "reset-link", ip: client.ip, reason: "password reset")
        }
        if account.details.emailVerifiedTime == nil { changes.append(.markEmailVerified(account.user.id, at: time)) }
        if account.details.status == .deactivated {
            // Following the mailed link proves the person wants their account back.
            changes.append(.setStatus(account.user.id, .active))
            changes.append(
                .audit(
                    AuditEvent(
                        time: time, tenantID: account.user.tenantID, actorID: account.user.id, credential: "reset-link",
                        subjectID: account.user.id, event: "account.reactivated", ip: client.ip)))
        }
        if account.details.status == .awaitingEmail {
            changes.append(.setStatus(account.user.id, account.details.ageBasis == AgeBasis.parentPending ? .awaitingParent : .active))
        }
        try await store.apply(changes)
        return account.user
    }
}
