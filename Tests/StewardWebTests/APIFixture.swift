import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import StewardAuth
import StewardCore
import StewardSQLite
import StewardStore
import Testing

@testable import StewardWeb

/// A real SQLiteStore with one tenant administrator, the AuthService over it, and a router carrying the REST API's
/// middleware exactly as `WebApplication` wires it (`APIGroups`), with probe routes instead of the real handlers.
final class APIFixture: Sendable {
    static let password = "correct horse battery"
    static let missingCredential = "Authentication failed: send X-Authorization: Bearer <token> or ApiKey <key>"

    let directory: String
    let store: SQLiteStore
    let auth: AuthService
    let apiKeys: APIKeyService
    let user: User

    init() async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("steward-web-\(UUID().uuidString)").path
        store = try SQLiteStore(directory: directory, durability: .normal)
        let hasher = PasswordHasher(cost: 4)
        let tenant = TenantID()
        try await store.createTenant(Tenant(id: tenant, name: "Acme", createdTime: 1))
        user = User(
            tenantID: tenant, customerID: nil, email: "alice@example.com", authority: .tenantAdmin, firstName: "Alice",
            createdTime: 1)
        try await store.createUser(user, passwordHash: await hasher.hash(Self.password))
        let signIn = SignInService(
            store: store, hasher: hasher, configuration: IdentityConfiguration(publicURL: "http://localhost"), pause: { _ in })
        auth = AuthService(store: store, signIn: signIn, signer: JWTSigner(secret: Array("web-test-secret".utf8)))
        apiKeys = APIKeyService(store: store)
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    /// `/api/probe` answers with the caller the context carries; `/api/probe/missing` requires one, then fails with a
    /// not-found `StewardError` (so the error middleware must map it); `/api/open` is on the open group.
    func application() -> some ApplicationProtocol {
        let router = Router(context: StewardRequestContext.self)
        let api = APIGroups(on: router, auth: auth)
        let probe: @Sendable (Request, StewardRequestContext) async throws -> Response = { _, context in
            let principal = try context.requireIdentity()
            return HTTP.json(
                "{\"userId\":\(JSONValue.quoted(principal.userID.description)),\"credential\":\(JSONValue.quoted(principal.credential))}")
        }
        api.authenticated.get("api/probe", use: probe)
        api.authenticated.post("api/probe", use: probe)
        api.authenticated.post("api/probe/missing") { _, context -> Response in
            _ = try context.requireIdentity()
            throw StewardError.notFound("Nothing is here")
        }
        api.open.get("api/open") { _, _ in HTTP.ok() }
        return Application(router: router)
    }

    /// A fresh access token of the administrator (an API session).
    func token(lifetime: Int64? = nil) async throws -> String {
        var service = auth
        if let lifetime { service.accessTokenLifetime = lifetime }
        return try await service.login(email: user.email, password: Self.password).token
    }

    func key(_ role: APIKeyRole) async throws -> (id: String, key: String) {
        let (record, key) = try await apiKeys.create(
            for: user, name: "test \(role.rawValue)", role: role, credential: "test", from: ClientInfo(ip: "127.0.0.1", client: "test"))
        return (record.id, key)
    }

    /// The details of every `api.write` entry, oldest first.
    func writes() async throws -> [(detail: String, credential: String?)] {
        try await store.auditEntries(tenant: nil, subject: nil, event: "api.write", limit: 100)
            .sorted { $0.sequence < $1.sequence }
            .map { ($0.event.detail, $0.event.credential) }
    }
}

/// The response body as a JSON object.
func jsonObject(_ response: TestResponse) throws -> [String: Any] {
    let data = Data(response.body.readableBytesView)
    return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
}

func headers(_ name: String, _ value: String) -> HTTPFields {
    [HTTPField.Name(name)!: value]
}
