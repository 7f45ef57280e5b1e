import Foundation
import StewardCore
import StewardStore

extension SignInService {
    public func signOut(sessionID: String, user: UserID) async throws {
        let time = now()
        try await store.apply([
            .revokeSession(id: sessionID, userID: user, at: time),
            .audit(AuditEvent(time: time, tenantID: nil, actorID: user, credential: "session:\(sessionID)", subjectID: user, event: "sign-out")),
        ])
    }

    /// Ends one session from the person's session list.
    public func revokeSession(_ id: String, of user: User, by actorSession: String, from client: ClientInfo) async throws {
        let time = now()
        try await store.apply([
            .revokeSession(id: id, userID: user.id, at: time),
            .audit(event("session.revoked", user, client, detail: "session \(id)", credential: "session:\(actorSession)")),
        ])
    }

    /// "I lost my credentials": every session and application key of the account ends at once, and the owner is told.
    public func reportLostCredentials(_ user: User, credential: String, from client: ClientInfo) async throws -> (sessions: Int, keys: Int) {
        let time = now()
        let sessions = try await store.sessions(of: user.id).filter { $0.isLive(at: time) }.count
        let keys = try await store.apiKeys(of: user.id).filter { $0.revokedTime == nil }.count
        try await store.apply([
            .revokeAllSessions(user.id, at: time),
            .revokeAllAPIKeys(user.id, at: time),
            .enqueueMail(mail.credentialsRevoked(to: user.email, sessions: sessions, keys: keys)),
            .audit(event("credentials.lost-reported", user, client, detail: "\(sessions) sessions, \(keys) keys revoked", credential: credential)),
        ])
        return (sessions, keys)
    }

    /// Changes the password after checking the current one; every other session ends, and unless `revokeKeys` is
    /// false every application key is revoked in the same transaction (see `KeyRevocation`).
    public func changePassword(
        _ user: User, current: String, new: String, keepSession: String?, revokeKeys: Bool = true, from client: ClientInfo
    ) async throws {
        guard let account = try await store.account(id: user.id), await hasher.verify(current, hash: account.passwordHash) else {
            throw StewardError.badRequest("The current password is not right")
        }
        try PasswordPolicy().check(new, email: user.email)
        let time = now()
        let keys = revokeKeys ? try await activeKeyCount(of: user.id) : 0
        let credential = keepSession.map { "session:\($0)" }
        var changes: [IdentityChange] = [.setPasswordHash(user.id, await hasher.hash(new))]
        for session in try await store.sessions(of: user.id) where session.id != keepSession && session.isLive(at: time) {
            changes.append(.revokeSession(id: session.id, userID: user.id, at: time))
        }
        changes += [
            .enqueueMail(
                mail.securityChange(
                    to: user.email, what: "The password of your account was changed." + KeyRevocation.sentence(revokeKeys, keys))),
            .audit(event("password.changed", user, client, detail: KeyRevocation.detail(revokeKeys, keys), credential: credential)),
        ]
        if revokeKeys {
            changes += KeyRevocation.changes(user, keys: keys, at: time, credential: credential, ip: client.ip, reason: "password change")
        }
        try await store.apply(changes)
    }

    /// Application keys of the person that still work: the password forms offer to revoke them.
    public func activeKeyCount(of user: UserID) async throws -> Int {
        try await store.apiKeys(of: user).filter { $0.revokedTime == nil }.count
    }
}
