import Foundation
import HTTPTypes
import Hummingbird
import StewardAuth
import StewardCore
import StewardDevices
import StewardStore
import Synchronization

/// The services REST handlers use, and the checks every handler shares: who is calling, and which tenant's
/// data they may see.
struct WebContext: Sendable {
    let auth: AuthService
    let accounts: any AccountStore
    let identity: any IdentityStore
    let devices: any DeviceStore
    let deviceService: DeviceService
    /// Creating, changing and deleting devices: every rule for them lives there.
    let management: DeviceManagement
    /// What each principal may see.
    let scope: ScopeService

    /// The principal of `X-Authorization: Bearer <JWT>` or `X-Authorization: ApiKey <key>` (also accepted in
    /// `Authorization`). A read-only key may only read.
    func principal(_ request: Request, _ context: StewardRequestContext) async throws -> Principal {
        let principal = try await authenticate(request, context)
        APICallAudit.current?.principal.withLock { $0 = principal }
        return principal
    }

    private func authenticate(_ request: Request, _ context: StewardRequestContext) async throws -> Principal {
        let header = request.headers[HTTPField.Name("X-Authorization")!] ?? request.headers[.authorization]
        if let header, header.hasPrefix("ApiKey ") {
            let principal = try await auth.principal(fromAPIKey: String(header.dropFirst("ApiKey ".count)), ip: context.clientIP)
            if principal.readOnly && request.method != .get {
                throw StewardError.forbidden("This application key is read-only; use a key with the full role to make changes")
            }
            return principal
        }
        guard let header, header.hasPrefix("Bearer ") else {
            throw StewardError.unauthorized("Authentication failed: send X-Authorization: Bearer <token> or ApiKey <key>")
        }
        return try await auth.principal(fromAccessToken: String(header.dropFirst("Bearer ".count)))
    }

    static func client(_ request: Request, _ context: StewardRequestContext) -> ClientInfo {
        ClientInfo(ip: context.clientIP, client: request.headers[.userAgent] ?? "")
    }

    /// The visibility scope of a principal, for `ScopeService`.
    static func scope(_ principal: Principal) -> Scope {
        Scope(user: principal.userID, authority: principal.authority, tenant: principal.tenantID, customer: principal.customerID)
    }

    /// The tenant a tenant admin or customer user acts in; the system administrator owns no devices.
    func tenant(of principal: Principal) throws -> TenantID {
        try scope.tenant(Self.scope(principal))
    }

    func requireTenantAdmin(_ principal: Principal) throws -> TenantID {
        try scope.administeredTenant(Self.scope(principal))
    }

    /// A device the principal may see (`ScopeService.device`); anything else is "not found", so ids of other
    /// tenants reveal nothing.
    func visibleDevice(_ principal: Principal, _ idText: String) async throws -> Device {
        try await scope.device(Self.scope(principal), id: idText)
    }

    func defaultProfile(_ tenant: TenantID) async throws -> DeviceProfileID? {
        try await management.defaultProfile(tenant: tenant)
    }

    static func parseBody(_ request: Request, limit: Int = 1 << 20) async throws -> JSONValue {
        let body = try await HTTP.body(request, limit: limit)
        guard body.readableBytes > 0 else { throw StewardError.badRequest("Invalid request body: the body is empty") }
        do {
            return try JSONParser.parse(body.readableBytesView)
        } catch {
            throw StewardError.badRequest("Invalid request body: \(error.description)")
        }
    }

    /// The largest page a list answers; a bigger `pageSize` is served as this many items.
    static let maximumPageSize = 10_000

    /// ThingsBoard's `pageSize` (required, at least 1) and `page` (from 0). Both are read as Java `int`s, so
    /// larger numbers are refused; `offset` is their product, checked, so no page number can overflow it.
    static func paging(_ request: Request) throws -> (pageSize: Int, page: Int, offset: Int) {
        let query = request.uri.queryParameters
        let int32 = Int64(Int32.max)
        guard let pageSize = try IntegerInput.parse(query.get("pageSize"), name: "pageSize", range: 1...int32) else {
            throw StewardError.badRequest("Parameter 'pageSize' is required and must be a positive integer")
        }
        let page = Int(try IntegerInput.parse(query.get("page"), name: "page", range: 0...int32) ?? 0)
        let size = min(Int(pageSize), maximumPageSize)
        return (size, page, try IntegerInput.product(page, size, what: "The page number"))
    }
}

/// Wraps a REST handler so every error leaves as ThingsBoard's error JSON.
func api(_ body: () async throws -> Response) async throws -> Response {
    do {
        return try await body()
    } catch {
        throw APIError.from(error)
    }
}
