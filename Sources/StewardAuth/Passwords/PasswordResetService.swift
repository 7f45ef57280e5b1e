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

    /// Mails a reset link if the address belongs to an account; otherwise does nothing visible.
    public func requestReset(email rawEmail: String, from client: ClientInfo) async throws {
        guard let email = try? FieldRules.email(rawEmail), let account = try await store.account(email: email) else { return }
        let token = Secrets.token()
        let time = now()
        try await store.apply([
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
        ])
    }

    /// Checks a reset link before the form is shown.
    public func check(token: String) async throws -> User {
        try await OneTimeLinks.valid(token, purpose: .resetPassword, store: store, now: now()).0.user
    }

    /// Sets the new password, spends the link, ends every session (whoever knew the old password is out) and
    /// lifts a lock. Following the link also proves the address, so a pending account is confirmed.
    public func reset(token: String, newPassword: String, from client: ClientInfo) async throws -> User {
        let (account, hash) = try await OneTimeLinks.valid(token, purpose: .resetPassword, store: store, now: now())
        try PasswordPolicy().check(newPassword, email: account.user.email)
        let time = now()
        var changes: [IdentityChange] = [
            .consumeToken(hash: hash, purpose: .resetPassword, at: time),
            .setPasswordHash(account.user.id, await hasher.hash(newPassword)),
            .revokeAllSessions(account.user.id, at: time),
            .lockAccount(account.user.id, until: nil),
            .enqueueMail(mail.securityChange(to: account.user.email, what: "The password of your account was reset with a mailed link.")),
            .audit(
                AuditEvent(
                    time: time, tenantID: account.user.tenantID, actorID: account.user.id, credential: "reset-link",
                    subjectID: account.user.id, event: "password.reset", ip: client.ip)),
        ]
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
