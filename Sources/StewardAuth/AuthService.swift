import Foundation
import StewardCore
import StewardStore

/// The signed-in principal a request acts as.
public struct Principal: Sendable, Equatable {
    public var userID: UserID
    public var email: String
    public var authority: Authority
    public var tenantID: TenantID?
    public var customerID: CustomerID?
    /// The session or key the request was made with (`session:<id>` or `api-key:<id>`), recorded in the audit trail
    /// so every call is tied to what made it.
    public var credential: String
    /// A read-only application key: only reads are allowed.
    public var readOnly: Bool

    public init(
        userID: UserID, email: String, authority: Authority, tenantID: TenantID?, customerID: CustomerID?,
        credential: String = "", readOnly: Bool = false
    ) {
        self.userID = userID
        self.email = email
        self.authority = authority
        self.tenantID = tenantID
        self.customerID = customerID
        self.credential = credential
        self.readOnly = readOnly
    }

    public init(user: User, credential: String, readOnly: Bool = false) {
        self.init(
            userID: user.id, email: user.email, authority: user.authority, tenantID: user.tenantID, customerID: user.customerID,
            credential: credential, readOnly: readOnly)
    }
}

/// Sign-in for the REST API: a JWT pair bound to a server-side session (so signing out, or reporting lost
/// credentials, ends it), and application keys.
public struct AuthService: Sendable {
    public let store: any IdentityStore
    public let signIn: SignInService
    public let apiKeys: APIKeyService
    public let signer: JWTSigner
    /// Access-token and refresh-token lifetimes in seconds (ThingsBoard's defaults).
    public var accessTokenLifetime: Int64 = 9_000
    public var refreshTokenLifetime: Int64 = 604_800
    public static let issuer = "steward"

    public init(store: any IdentityStore, signIn: SignInService, signer: JWTSigner) {
        self.store = store
        self.signIn = signIn
        self.apiKeys = APIKeyService(store: store)
        self.signer = signer
    }

    /// Checks the password (with every sign-in rule: lockout, confirmation, new-place alert) and returns a fresh
    /// token pair bound to a new API session.
    public func login(email: String, password: String, from client: ClientInfo = ClientInfo(ip: "unknown", client: "")) async throws
        -> (token: String, refreshToken: String, user: User)
    {
        guard case .complete(let grant) = try await signIn.signIn(email: email, password: password, kind: .api, from: client) else {
            throw StewardError.unauthorized("Two-factor sign-in is on for this account: programs use an application key")
        }
        let pair = issue(for: grant.user, sessionID: grant.session.id, refreshID: grant.refreshID ?? UUID().uuidString.lowercased())
        return (pair.token, pair.refreshToken, grant.user)
    }

    /// Exchanges the current refresh token of a live session for a new pair. Refresh tokens rotate: each works once,
    /// and the new one replaces it. One that comes back after it was replaced was copied (or the pair was, and someone
    /// else refreshed first), so the session ends, taking every access token of it along, and the event is audited and
    /// mailed to the owner.
    public func refresh(_ refreshToken: String, from client: ClientInfo = ClientInfo(ip: "unknown", client: "")) async throws
        -> (token: String, refreshToken: String)
    {
        let claims: JSONValue
        do {
            claims = try signer.verify(refreshToken)
        } catch {
            throw StewardError.unauthorized(error == .expired ? "Token has expired" : "Invalid refresh token")
        }
        guard case .array(let scopes)? = claims["scopes"], scopes.contains(.string("REFRESH_TOKEN")),
            let refreshID = claims["jti"]?.stringValue, let (user, session) = try await liveSession(claims)
        else { throw StewardError.unauthorized("Invalid refresh token") }
        let presented = Secrets.sha256Hex(refreshID)
        if let current = session.refreshHash, !Secrets.constantTimeEquals(current, presented) {
            try await endReplayedSession(session, of: user, from: client)
        }
        let next = UUID().uuidString.lowercased()
        do {
            try await store.apply([.rotateRefreshToken(sessionID: session.id, from: session.refreshHash, to: Secrets.sha256Hex(next))])
        } catch let error as StewardError where error.kind == .conflict {
            // Another use of the same token won the race: one of the two is not the owner.
            try await endReplayedSession(session, of: user, from: client)
        }
        return issue(for: user, sessionID: session.id, refreshID: next)
    }

    func endReplayedSession(_ session: Session, of user: User, from client: ClientInfo) async throws -> Never {
        let time = signIn.now()
        try await store.apply([
            .revokeSession(id: session.id, userID: user.id, at: time),
            .audit(
                AuditEvent(
                    time: time, tenantID: user.tenantID, actorID: nil, credential: "session:\(session.id)", subjectID: user.id,
                    event: "session.refresh-token-reused",
                    detail: "a refresh token was used after it had been replaced; session \(session.id) ended", ip: client.ip)),
            .enqueueMail(
                signIn.mail.securityChange(
                    to: user.email,
                    what: """
                        A program's sign-in session to your account (started from \(session.ip)) was ended: one of its refresh \
                        tokens was used again after it had been replaced, which happens when a token is copied. The last \
                        attempt came from \(client.ip).
                        """)),
        ])
        throw StewardError.unauthorized("This refresh token was already used, so its session is ended in case it was copied; sign in again")
    }

    /// Resolves an access token to the principal it was issued to, if its session is still open.
    public func principal(fromAccessToken token: String) async throws -> Principal {
        let claims: JSONValue
        do {
            claims = try signer.verify(token)
        } catch {
            throw StewardError.unauthorized(error == .expired ? "Token has expired" : "Authentication failed")
        }
        guard case .array(let scopes)? = claims["scopes"], !scopes.contains(.string("REFRESH_TOKEN")),
            let (user, session) = try await liveSession(claims)
        else { throw StewardError.unauthorized("Authentication failed") }
        return Principal(user: user, credential: "session:\(session.id)")
    }

    /// Resolves `X-Authorization: ApiKey …`.
    public func principal(fromAPIKey key: String, ip: String) async throws -> Principal {
        let (record, account) = try await apiKeys.authenticate(key, from: ip)
        return Principal(user: account.user, credential: "api-key:\(record.id)", readOnly: record.role == .readOnly)
    }

    /// Ends the session the token belongs to.
    public func logout(_ principal: Principal) async throws {
        guard principal.credential.hasPrefix("session:") else { return }
        try await signIn.signOut(sessionID: String(principal.credential.dropFirst("session:".count)), user: principal.userID)
    }

    func liveSession(_ claims: JSONValue) async throws -> (User, Session)? {
        guard let userText = claims["userId"]?.stringValue, let userID = UserID(userText),
            let sessionID = claims["sessionId"]?.stringValue, let session = try await store.session(id: sessionID),
            session.userID == userID, session.stage == .complete, session.isLive(at: signIn.now()),
            let account = try await store.account(id: userID), account.details.status == .active
        else { return nil }
        return (account.user, session)
    }

    /// An access token and a refresh token whose `jti` is `refreshID` (the session keeps only its hash).
    func issue(for user: User, sessionID: String, refreshID: String) -> (token: String, refreshToken: String) {
        let now = WallClock.nowMillis() / 1000
        let session = JSONValue.string(sessionID)
        let access: [JSONMember] = [
            JSONMember("sub", .string(user.email)),
            JSONMember("userId", .string(user.id.description)),
            JSONMember("scopes", .array([.string(user.authority.rawValue)])),
            JSONMember("sessionId", session),
            JSONMember("iss", .string(Self.issuer)),
            JSONMember("firstName", user.firstName.map(JSONValue.string) ?? .null),
            JSONMember("lastName", user.lastName.map(JSONValue.string) ?? .null),
            JSONMember("enabled", .bool(true)),
            JSONMember("isPublic", .bool(false)),
            JSONMember("tenantId", .string((user.tenantID?.uuid ?? .thingsBoardNull).uuidString.lowercased())),
            JSONMember("customerId", .string((user.customerID?.uuid ?? .thingsBoardNull).uuidString.lowercased())),
            JSONMember("iat", .number(String(now))),
            JSONMember("exp", .number(String(now + accessTokenLifetime))),
        ]
        let refresh: [JSONMember] = [
            JSONMember("sub", .string(user.email)),
            JSONMember("userId", .string(user.id.description)),
            JSONMember("scopes", .array([.string("REFRESH_TOKEN")])),
            JSONMember("sessionId", session),
            JSONMember("iss", .string(Self.issuer)),
            JSONMember("isPublic", .bool(false)),
            JSONMember("jti", .string(refreshID)),
            JSONMember("iat", .number(String(now))),
            JSONMember("exp", .number(String(now + refreshTokenLifetime))),
        ]
        return (signer.sign(claims: access), signer.sign(claims: refresh))
    }
}
