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
        let pair = issue(for: grant.user, sessionID: grant.session.id)
        return (pair.token, pair.refreshToken, grant.user)
    }

    /// Exchanges a valid refresh token of a live session for a new pair.
    public func refresh(_ refreshToken: String) async throws -> (token: String, refreshToken: String) {
        let claims: JSONValue
        do {
            claims = try signer.verify(refreshToken)
        } catch {
            throw StewardError.unauthorized(error == .expired ? "Token has expired" : "Invalid refresh token")
        }
        guard case .array(let scopes)? = claims["scopes"], scopes.contains(.string("REFRESH_TOKEN")),
            let (user, session) = try await liveSession(claims)
        else { throw StewardError.unauthorized("Invalid refresh token") }
        return issue(for: user, sessionID: session)
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
        return Principal(user: user, credential: "session:\(session)")
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

    func liveSession(_ claims: JSONValue) async throws -> (User, String)? {
        guard let userText = claims["userId"]?.stringValue, let userID = UserID(userText),
            let sessionID = claims["sessionId"]?.stringValue, let session = try await store.session(id: sessionID),
            session.userID == userID, session.stage == .complete, session.isLive(at: signIn.now()),
            let account = try await store.account(id: userID), account.details.status == .active
        else { return nil }
        return (account.user, sessionID)
    }

    func issue(for user: User, sessionID: String) -> (token: String, refreshToken: String) {
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
            JSONMember("jti", .string(UUID().uuidString.lowercased())),
            JSONMember("iat", .number(String(now))),
            JSONMember("exp", .number(String(now + refreshTokenLifetime))),
        ]
        return (signer.sign(claims: access), signer.sign(claims: refresh))
    }

    /// A valid bcrypt hash of a random string, checked against when the email is unknown.
    static let decoyHash = "$2b$12$C6UzMDM.H6dfI/f/IKxGhu3HvNpa6CjS3lm7Z3dgJ6uzfIB3nOQ1O"
}
