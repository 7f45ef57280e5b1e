import Hummingbird
import StewardCore
import StewardDevices
import StewardStore

/// `POST|DELETE /api/privacy/device/{deviceId}/person[/{userId}]`: links a tenant's device to the person it concerns
/// (a wearer, a resident), so that person's access, export and erasure cover its data (promise TB-5). Tenant
/// administrators only, within their tenant.
struct PersonRoutes {
    let web: WebContext

    func register(on router: some RouterMethods<StewardRequestContext>) {
        router.post("api/privacy/device/:deviceId/person/:userId") { request, context in
            let tenant = try web.requireTenantAdmin(try context.requireIdentity())
            guard let device = DeviceID(try context.parameters.require("deviceId")) else {
                throw StewardError.badRequest("The device id is not a UUID")
            }
            guard let person = UserID(try context.parameters.require("userId")) else {
                throw StewardError.badRequest("The user id is not a UUID")
            }
            try await web.management.assign(tenant: tenant, device: device, person: person)
            return HTTP.ok()
        }
        router.delete("api/privacy/device/:deviceId/person") { request, context in
            let tenant = try web.requireTenantAdmin(try context.requireIdentity())
            guard let device = DeviceID(try context.parameters.require("deviceId")) else {
                throw StewardError.badRequest("The device id is not a UUID")
            }
            try await web.management.assign(tenant: tenant, device: device, person: nil)
            return HTTP.ok()
        }
    }
}
