import Foundation
import Hummingbird
import StewardDevices
import StewardAuth
import StewardCore
import StewardStore

/// Device management: create, read, list, delete, credentials, assignment to customers, claiming.
struct DeviceRoutes {
    let web: WebContext

    func register(on router: Router<StewardRequestContext>) {
        router.post("api/device") { request, context in
            try await api {
                let principal = try await web.principal(request, context)
                let tenant = try web.requireTenantAdmin(principal)
                let body = try await WebContext.parseBody(request)
                let token = request.uri.queryParameters.get("accessToken")
                let device = try await save(body, tenant: tenant, accessToken: token)
                return HTTP.json(EntityJSON.device(device, defaultProfile: nil).serialized)
            }
        }
        router.get("api/device/:deviceId") { request, context in
            try await api {
                let principal = try await web.principal(request, context)
                let device = try await web.visibleDevice(principal, try context.parameters.require("deviceId"))
                return try await deviceResponse(device)
            }
        }
        router.delete("api/device/:deviceId") { request, context in
            try await api {
                let principal = try await web.principal(request, context)
                let tenant = try web.requireTenantAdmin(principal)
                let device = try await web.visibleDevice(principal, try context.parameters.require("deviceId"))
                _ = try await web.devices.deleteDevice(tenant: tenant, id: device.id)
                web.deviceService.hub.closeSessions(device.id, reason: "Device was deleted")
                return HTTP.ok()
            }
        }
        router.get("api/device/:deviceId/credentials") { request, context in
            try await api {
                let principal = try await web.principal(request, context)
                _ = try web.requireTenantAdmin(principal)
                let device = try await web.visibleDevice(principal, try context.parameters.require("deviceId"))
                return HTTP.json(EntityJSON.credentials(device).serialized)
            }
        }
        router.get("api/tenant/devices") { request, context in
            try await api {
                let principal = try await web.principal(request, context)
                let tenant = try web.requireTenantAdmin(principal)
                return try await page(request, tenant: tenant, customer: nil)
            }
        }
        router.get("api/customer/:customerId/devices") { request, context in
            try await api {
                let principal = try await web.principal(request, context)
                let tenant = try web.tenant(of: principal)
                guard let customer = CustomerID(try context.parameters.require("customerId")),
                    principal.authority == .tenantAdmin || principal.customerID == customer,
                    try await web.accounts.customer(tenant: tenant, id: customer) != nil
                else { throw StewardError.notFound("Customer is not found") }
                return try await page(request, tenant: tenant, customer: customer)
            }
        }
        router.get("api/tenant/device") { request, context in
            try await api {
                let principal = try await web.principal(request, context)
                let tenant = try web.requireTenantAdmin(principal)
                guard let name = request.uri.queryParameters.get("deviceName"),
                    let device = try await web.devices.device(tenant: tenant, named: name)
                else { throw StewardError.notFound("Requested device wasn't found!") }
                return try await deviceResponse(device)
            }
        }
        router.post("api/customer/:customerId/device/:deviceId") { request, context in
            try await api {
                let principal = try await web.principal(request, context)
                let tenant = try web.requireTenantAdmin(principal)
                var device = try await web.visibleDevice(principal, try context.parameters.require("deviceId"))
                guard let customerID = CustomerID(try context.parameters.require("customerId")),
                    try await web.accounts.customer(tenant: tenant, id: customerID) != nil
                else { throw StewardError.notFound("Customer is not found") }
                device.customerID = customerID
                try await web.devices.updateDevice(device)
                return try await deviceResponse(device)
            }
        }
        router.delete("api/customer/device/:deviceId") { request, context in
            try await api {
                let principal = try await web.principal(request, context)
                _ = try web.requireTenantAdmin(principal)
                var device = try await web.visibleDevice(principal, try context.parameters.require("deviceId"))
                device.customerID = nil
                try await web.devices.updateDevice(device)
                return try await deviceResponse(device)
            }
        }
        router.post("api/customer/device/:deviceId/claim") { request, context in
            try await api {
                let principal = try await web.principal(request, context)
                guard principal.authority == .customerUser, let customer = principal.customerID else {
                    throw StewardError.forbidden("Only customer users can claim devices")
                }
                let tenant = try web.tenant(of: principal)
                let body = try await WebContext.parseBody(request, limit: 16_384)
                let device = try await web.deviceService.claim(
                    tenant: tenant, customer: customer, deviceName: try context.parameters.require("deviceId"),
                    secretKey: body["secretKey"]?.stringValue ?? "")
                return try await deviceResponse(device)
            }
        }
    }

    /// A device in ThingsBoard's JSON shape, its profile defaulting to the tenant's default profile.
    func deviceResponse(_ device: Device) async throws -> Response {
        HTTP.json(EntityJSON.device(device, defaultProfile: try await web.defaultProfile(device.tenantID)).serialized)
    }

    func page(_ request: Request, tenant: TenantID, customer: CustomerID?) async throws -> Response {
        let (pageSize, page, offset) = try WebContext.paging(request)
        let search = request.uri.queryParameters.get("textSearch")
        let devices = try await web.devices.devices(
            tenant: tenant, customer: customer, textSearch: search, limit: pageSize, offset: offset)
        let total = try await web.devices.deviceCount(tenant: tenant, customer: customer, textSearch: search)
        let profile = try await web.defaultProfile(tenant)
        return HTTP.json(
            EntityJSON.page(devices.map { EntityJSON.device($0, defaultProfile: profile) }, total: total, pageSize: pageSize, page: page)
                .serialized)
    }

    /// Creates a device (no `id` in the body) or renames/retypes an existing one.
    func save(_ body: JSONValue, tenant: TenantID, accessToken: String?) async throws -> Device {
        guard let name = body["name"]?.stringValue, !name.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw StewardError.badRequest("Device name should be specified!")
        }
        guard name.count <= 255 else { throw StewardError.badRequest("Device name is longer than 255 characters") }
        let type = body["type"]?.stringValue ?? "default"
        let label = body["label"]?.stringValue
        let gateway = body["additionalInfo"]?["gateway"] == .bool(true)
        if let uuid = EntityJSON.uuid(from: body["id"]) {
            guard var device = try await web.devices.device(tenant: tenant, id: DeviceID(uuid)) else {
                throw StewardError.notFound("Device with id [\(uuid.uuidString.lowercased())] is not found")
            }
            if name != device.name, try await web.devices.device(tenant: tenant, named: name) != nil {
                throw StewardError.badRequest("Device with such name already exists!")
            }
            device.name = name
            device.type = type
            device.label = label
            device.isGateway = gateway
            if let accessToken { device.accessToken = accessToken }
            try await web.devices.updateDevice(device)
            return device
        }
        if try await web.devices.device(tenant: tenant, named: name) != nil {
            throw StewardError.badRequest("Device with such name already exists!")
        }
        let token = accessToken ?? RandomToken.alphanumeric()
        if try await web.devices.device(accessToken: token) != nil {
            throw StewardError.accessTokenUnavailable
        }
        let device = Device(
            tenantID: tenant, profileID: try await web.defaultProfile(tenant), name: name, type: type, label: label,
            isGateway: gateway, accessToken: token, createdTime: WallClock.nowMillis())
        try await web.devices.createDevice(device)
        return device
    }
}
