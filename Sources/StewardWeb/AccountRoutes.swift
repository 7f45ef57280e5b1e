import Hummingbird
import StewardAuth
import StewardCore
import StewardDevices
import StewardStore

/// Tenants (system administrator), customers and users (tenant administrator).
struct AccountRoutes {
    let web: WebContext
    let accountsService: AccountService

    func register(on router: some RouterMethods<StewardRequestContext>) {
        router.post("api/tenant") { request, context in
            try await requireSystemAdmin(request, context)
            let body = try await WebContext.parseBody(request, limit: 65_536)
            guard let title = body["title"]?.stringValue else { throw StewardError.badRequest("Tenant title should be specified!") }
            let tenant = try await accountsService.createTenant(name: title)
            return HTTP.json(EntityJSON.tenant(tenant).serialized)
        }
        router.get("api/tenants") { request, context in
            try await requireSystemAdmin(request, context)
            let (pageSize, page, offset) = try WebContext.paging(request)
            let all = try await web.accounts.tenants()
            let slice = all.dropFirst(offset).prefix(pageSize)
            return HTTP.json(EntityJSON.page(slice.map(EntityJSON.tenant), total: all.count, pageSize: pageSize, page: page).serialized)
        }
        router.get("api/tenant/:tenantId") { request, context in
            _ = try context.requireIdentity()
            // `/api/tenant/deviceInfos` and the like are paths we lack, not tenants this caller may not read.
            let id = try APIPathMiss.id(request, context, "tenantId") { TenantID($0) }
            try await requireSystemAdmin(request, context)
            guard let tenant = try await web.accounts.tenant(id: id) else { throw StewardError.notFound("Tenant is not found") }
            return HTTP.json(EntityJSON.tenant(tenant).serialized)
        }
        router.post("api/customer") { request, context in
            let tenant = try web.requireTenantAdmin(try context.requireIdentity())
            let body = try await WebContext.parseBody(request, limit: 65_536)
            guard let title = body["title"]?.stringValue else { throw StewardError.badRequest("Customer title should be specified!") }
            let customer = try await accountsService.createCustomer(tenant: tenant, name: title)
            return HTTP.json(EntityJSON.customer(customer).serialized)
        }
        router.get("api/customers") { request, context in
            let tenant = try web.requireTenantAdmin(try context.requireIdentity())
            let (pageSize, page, offset) = try WebContext.paging(request)
            let all = try await web.accounts.customers(tenant: tenant)
            let slice = all.dropFirst(offset).prefix(pageSize)
            return HTTP.json(EntityJSON.page(slice.map(EntityJSON.customer), total: all.count, pageSize: pageSize, page: page).serialized)
        }
        router.get("api/customer/:customerId") { request, context in
            let principal = try context.requireIdentity()
            let id = try APIPathMiss.id(request, context, "customerId") { CustomerID($0) }
            let tenant = try web.tenant(of: principal)
            guard principal.authority == .tenantAdmin || principal.customerID == id,
                let customer = try await web.accounts.customer(tenant: tenant, id: id)
            else { throw StewardError.notFound("Customer is not found") }
            return HTTP.json(EntityJSON.customer(customer).serialized)
        }
        router.get("api/user/:userId") { request, context in
            let principal = try context.requireIdentity()
            guard let id = UserID(try context.parameters.require("userId")) else { throw StewardError.notFound("User is not found") }
            let user = try await web.scope.user(WebContext.scope(principal), id: id)
            try await AccessLog(store: web.identity).personalDataRead(
                by: principal, of: user, what: "user profile (REST)", ip: context.clientIP)
            return HTTP.json(EntityJSON.user(user).serialized)
        }
    }

    func requireSystemAdmin(_ request: Request, _ context: StewardRequestContext) async throws {
        guard try context.requireIdentity().authority == .systemAdmin else {
            throw StewardError.forbidden("You don't have permission to perform this operation!")
        }
    }
}
