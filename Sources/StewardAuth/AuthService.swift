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

    public init(userID: UserID, email: String, authority: Authority, tenantID: TenantID?, customerID: CustomerID?) {
        self.userID = userID
        self.email = email
        self.authority = authority
        self.tenantID = tenantID
        self.customerID = customerID
    }
}

/// Sign-in with email and password, and the JWT pair the REST API uses.
public struct AuthService: Sendable {
    public let accounts: any AccountStore
    public let hasher: PasswordHasher
    public let signer: JWTSigner
    /// Access-token and refresh-token lifetimes in seconds (ThingsBoard's defaults).
    public var accessTokenLifetime: Int64 = 9_000
    public var refreshTokenLifetime: Int64 = 604_800
    public static let issuer = "steward"

    public init(accounts: any AccountStore, hasher: PasswordHasher, signer: JWTSigner) {
        self.accounts = accounts
        self.hasher = hasher
        self.signer = signer
    }

    /// Checks the password and returns a fresh token pair. The same error answers unknown emails and wrong
    /// passwords, and a hash is computed either way so timing does not reveal which.
    public func login(email: String, password: String) async throws -> (token: String, refreshToken: String, user: User) {
        guard let (user, hash) = try await accounts.credentials(email: email) else {
            _ = await hasher.verify(password, hash: Self.decoyHash)
            throw StewardError.unauthorized("Invalid username or password")
        }
        guard await hasher.verify(password, hash: hash) else {
            throw StewardError.unauthorized("Invalid username or password")
        }
        let pair = issue(for: user, sessionID: UUID())
        return (pair.token, pair.refreshToken, user)
    }

    /// Exchanges a valid refresh token for a new pair.
    public func refresh(_ refreshToken: String) async throws -> (token: String, refreshToken: String) {
        let claims: JSONValue
        do {
            claims = try signer.verify(refreshToken)
        } catch {
            throw StewardError.unauthorized(error == .expired ? "Token has expired" : "Invalid refresh token")
        }
        guard case .array(let scopes)? = claims["scopes"], scopes.contains(.string("REFRESH_TOKEN")),
            let userText = claims["userId"]?.stringValue, let userID = UserID(userText),
            let user = try await accounts.user(id: userID)
        else { throw StewardError.unauthorized("Invalid refresh token") }
        let session = claims["sessionId"]?.stringValue.flatMap(UUID.init(uuidString:)) ?? UUID()
        return issue(for: user, sessionID: session)
    }

    /// Resolves an access token to the principal it was issued to.
    public func principal(fromAccessToken token: String) async throws -> Principal {
        let claims: JSONValue
        do {
            claims = try signer.verify(token)
        } catch {
            throw StewardError.unauthorized(error == .expired ? "Token has expired" : "Authentication failed")
        }
        guard case .array(let scopes)? = claims["scopes"], !scopes.contains(.string("REFRESH_TOKEN")),
            let userText = claims["userId"]?.stringValue, let userID = UserID(userText),
            let user = try await accounts.user(id: userID)
        else { throw StewardError.unauthorized("Authentication failed") }
        return Principal(
            userID: user.id, email: user.email, authority: user.authority, tenantID: user.tenantID, customerID: user.customerID)
    }

    func issue(for user: User, sessionID: UUID) -> (token: String, refreshToken: String) {
        let now = WallClock.nowMillis() / 1000
        let session = JSONValue.string(sessionID.uuidString.lowercased())
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
