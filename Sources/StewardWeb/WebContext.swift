import Foundation
import HTTPTypes
import Hummingbird
import StewardAuth
import StewardCore
import StewardDevices
import StewardStore

/// The services REST handlers use, and the checks every handler shares: which tenant's data the caller
/// (`StewardRequestContext.identity`, resolved by `APIAuthenticator`) may see.
struct WebContext: Sendable {
    let auth: AuthService
    /// Tenants, customers and users.
    let accounts: AccountService
    let identity: any IdentityStore
    let devices: any DeviceStore
    let deviceService: DeviceService
    /// Creating, changing and deleting devices: every rule for them lives there.
    let management: DeviceManagement
    /// What each principal may see.
    let scope: ScopeService

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
