import StewardCore
import StewardStore

/// What a session cookie opens, and what a person may see of their own sign-ins: the rules a transport needs to
/// turn a cookie into a signed-in person, kept here so every transport applies the same ones.
extension SignInService {
    /// A session's last use is recorded at most this often (milliseconds), so reading pages does not write every time.
    static let touchInterval: Int64 = 60_000

    /// The web session a cookie's secret belongs to, with its account, when the session is a complete browser
    /// session that is still live and the account is open; nil for anything else. Records the use.
    public func webSession(secret: String) async throws -> (session: Session, account: AccountRecord)? {
        let now = now()
        guard let session = try await store.session(secretHash: Secrets.sha256Hex(secret)), session.kind == .web,
            session.stage == .complete, session.isLive(at: now),
            let account = try await store.account(id: session.userID), account.details.status == .active
        else { return nil }
        if now - session.lastSeenTime > Self.touchInterval { try await store.touchSession(id: session.id, at: now) }
        return (session, account)
    }

    /// The half-open session a cookie's secret belongs to, between password and second factor, while it is live;
    /// with the account, to say which factor it waits for.
    public func secondFactorSession(secret: String) async throws -> (session: Session, account: AccountRecord?)? {
        guard let session = try await store.session(secretHash: Secrets.sha256Hex(secret)), session.stage == .secondFactor,
            session.isLive(at: now())
        else { return nil }
        return (session, try await store.account(id: session.userID))
    }

    /// An account as it is now (after a change the caller made), or nil once it is gone.
    public func account(id: UserID) async throws -> AccountRecord? {
        try await store.account(id: id)
    }

    /// What the person's security page shows: their live browser and API sessions, their newest sign-ins and
    /// their application keys.
    public func securityOverview(of user: UserID, signIns limit: Int = 20) async throws -> SecurityOverview {
        let now = now()
        return SecurityOverview(
            sessions: try await store.sessions(of: user).filter { $0.isLive(at: now) && $0.stage == .complete },
            signIns: try await store.signIns(of: user, limit: limit),
            keys: try await store.apiKeys(of: user))
    }
}

/// A person's sessions, sign-ins and application keys, for their security page.
public struct SecurityOverview: Sendable {
    public var sessions: [Session]
    public var signIns: [SignInRecord]
    public var keys: [APIKeyRecord]
}
