import Foundation
import Hummingbird
import StewardDevices
import StewardAuth
import StewardCore
import StewardStore

/// Device management: create, read, list, delete, credentials, assignment to customers, claiming.
struct DeviceRoutes {
    let web: WebContext

    func register(on router: some RouterMethods<StewardRequestContext>) {
        router.post("api/device") { request, context in
            let principal = try context.requireIdentity()
            let tenant = try web.requireTenantAdmin(principal)
            let body = try await WebContext.parseBody(request)
            let token = request.uri.queryParameters.get("accessToken")
            let device = try await save(body, tenant: tenant, accessToken: token)
            return HTTP.json(EntityJSON.device(device, defaultProfile: nil).serialized)
        }
        router.get("api/device/:deviceId") { request, context in
            let principal = try context.requireIdentity()
            let device = try await web.visibleDevice(principal, try context.parameters.require("deviceId"))
            return try await deviceResponse(device)
        }
        router.delete("api/device/:deviceId") { request, context in
            let principal = try context.requireIdentity()
            let tenant = try web.requireTenantAdmin(principal)
            let device = try await web.visibleDevice(principal, try context.parameters.require("deviceId"))
            try await web.management.delete(tenant: tenant, id: device.id)
            return HTTP.ok()
        }
        router.get("api/device/:deviceId/credentials") { request, context in
            let principal = try context.requireIdentity()
            _ = try web.requireTenantAdmin(principal)
            let device = try await web.visibleDevice(principal, try context.parameters.require("deviceId"))
            return HTTP.json(EntityJSON.credentials(device).serialized)
        }
        router.get("api/tenant/devices") { request, context in
            let principal = try context.requireIdentity()
            _ = try web.requireTenantAdmin(principal)
            return try await page(request, principal, customer: nil)
        }
        router.get("api/customer/:customerId/devices") { request, context in
            let principal = try context.requireIdentity()
            guard let customer = CustomerID(try context.parameters.require("customerId")) else {
                throw StewardError.notFound("Customer is not found")
            }
            return try await page(request, principal, customer: customer)
        }
        router.get("api/tenant/device") { request, context in
            let principal = try context.requireIdentity()
            _ = try web.requireTenantAdmin(principal)
            guard let name = request.uri.queryParameters.get("deviceName"),
                let device = try await web.scope.device(WebContext.scope(principal), named: name)
            else { throw StewardError.notFound("Requested device wasn't found!") }
            return try await deviceResponse(device)
        }
        router.post("api/customer/:customerId/device/:deviceId") { request, context in
            let principal = try context.requireIdentity()
            let tenant = try web.requireTenantAdmin(principal)
            let device = try await web.visibleDevice(principal, try context.parameters.require("deviceId"))
            guard let customerID = CustomerID(try context.parameters.require("customerId")) else {
                throw StewardError.notFound("Customer is not found")
            }
            return try await deviceResponse(try await web.management.assign(tenant: tenant, device: device.id, customer: customerID))
        }
        router.delete("api/customer/device/:deviceId") { request, context in
            let principal = try context.requireIdentity()
            let tenant = try web.requireTenantAdmin(principal)
            let device = try await web.visibleDevice(principal, try context.parameters.require("deviceId"))
            return try await deviceResponse(try await web.management.assign(tenant: tenant, device: device.id, customer: nil))
        }
        router.post("api/customer/device/:deviceId/claim") { request, context in
            let principal = try context.requireIdentity()
            guard principal.authority == .customerUser, let customer = principal.customerID else {
                throw StewardError.forbidden("Only customer users can claim devices")
            }
            let tenant = try web.tenant(of: principal)
            let body = try await WebContext.parseBody(request, limit: 16_384)
            let device = try await web.management.claim(
                tenant: tenant, customer: customer, deviceName: try context.parameters.require("deviceId"),
                secretKey: body["secretKey"]?.stringValue ?? "")
            return try await deviceResponse(device)
        }
    }

    /// A device in ThingsBoard's JSON shape, its profile defaulting to the tenant's default profile.
    func deviceResponse(_ device: Device) async throws -> Response {
        HTTP.json(EntityJSON.device(device, defaultProfile: try await web.defaultProfile(device.tenantID)).serialized)
    }

    func page(_ request: Request, _ principal: Principal, customer: CustomerID?) async throws -> Response {
        let (pageSize, page, offset) = try WebContext.paging(request)
        let search = request.uri.queryParameters.get("textSearch")
        let scope = WebContext.scope(principal)
        let (devices, total) = try await web.scope.devices(
            scope, customer: customer, textSearch: search, limit: pageSize, offset: offset)
        let profile = try await web.defaultProfile(try web.scope.tenant(scope))
        return HTTP.json(
            EntityJSON.page(devices.map { EntityJSON.device($0, defaultProfile: profile) }, total: total, pageSize: pageSize, page: page)
                .serialized)
    }

    /// Creates a device (no `id` in the body) or renames/retypes an existing one, through `DeviceManagement`.
    func save(_ body: JSONValue, tenant: TenantID, accessToken: String?) async throws -> Device {
        guard let name = body["name"]?.stringValue else { throw StewardError.badRequest("Device name should be specified!") }
        _ = try DeviceRules.name(name)  // a bad name is answered before a missing device, as before
        let draft = DeviceDraft(
            name: name, type: body["type"]?.stringValue ?? "default", label: body["label"]?.stringValue,
            isGateway: body["additionalInfo"]?["gateway"] == .bool(true), accessToken: accessToken)
        if let uuid = EntityJSON.uuid(from: body["id"]) {
            return try await web.management.update(tenant: tenant, id: DeviceID(uuid), draft)
        }
        return try await web.management.create(tenant: tenant, draft)
    }
}
