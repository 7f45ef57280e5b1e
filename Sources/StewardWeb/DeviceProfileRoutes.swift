import Foundation
import Hummingbird
import StewardAuth
import StewardCore
import StewardDevices
import StewardStore

/// ThingsBoard's device profile API (`DeviceProfileController`): tenant administrators manage profiles; customer
/// users may read the infos (no provisioning secrets). Every rule lives in `DeviceProfiles`.
struct DeviceProfileRoutes {
    let web: WebContext
    var profiles: DeviceProfiles { DeviceProfiles(devices: web.devices) }

    func register(on router: some RouterMethods<StewardRequestContext>) {
        router.post("api/deviceProfile") { request, context in
            let tenant = try web.requireTenantAdmin(try context.requireIdentity())
            let body = try await WebContext.parseBody(request, limit: 65_536)
            let draft = try DeviceProfileJSON.draft(body)
            let profile: DeviceProfile
            if let uuid = EntityJSON.uuid(from: body["id"]) {
                profile = try await profiles.update(tenant: tenant, id: DeviceProfileID(uuid), draft)
            } else {
                profile = try await profiles.create(tenant: tenant, draft)
            }
            return HTTP.json(DeviceProfileJSON.profile(profile).serialized)
        }
        router.get("api/deviceProfile/:deviceProfileId") { request, context in
            let tenant = try web.requireTenantAdmin(try context.requireIdentity())
            let profile = try await profiles.profile(tenant: tenant, id: try Self.id(context))
            return HTTP.json(DeviceProfileJSON.profile(profile).serialized)
        }
        router.delete("api/deviceProfile/:deviceProfileId") { request, context in
            let tenant = try web.requireTenantAdmin(try context.requireIdentity())
            try await profiles.delete(tenant: tenant, id: try Self.id(context))
            return HTTP.ok()
        }
        router.post("api/deviceProfile/:deviceProfileId/default") { request, context in
            let tenant = try web.requireTenantAdmin(try context.requireIdentity())
            let profile = try await profiles.makeDefault(tenant: tenant, id: try Self.id(context))
            return HTTP.json(DeviceProfileJSON.profile(profile).serialized)
        }
        router.get("api/deviceProfiles") { request, context in
            let tenant = try web.requireTenantAdmin(try context.requireIdentity())
            return try await page(request, tenant: tenant, render: DeviceProfileJSON.profile)
        }
        router.get("api/deviceProfileInfos") { request, context in
            let tenant = try web.tenant(of: try context.requireIdentity())
            return try await page(request, tenant: tenant, render: DeviceProfileJSON.info)
        }
        router.get("api/deviceProfileInfo/default") { request, context in
            let tenant = try web.tenant(of: try context.requireIdentity())
            return HTTP.json(DeviceProfileJSON.info(try await profiles.defaultProfile(tenant: tenant)).serialized)
        }
        router.get("api/deviceProfileInfo/:deviceProfileId") { request, context in
            let tenant = try web.tenant(of: try context.requireIdentity())
            let profile = try await profiles.profile(tenant: tenant, id: try Self.id(context))
            return HTTP.json(DeviceProfileJSON.info(profile).serialized)
        }
    }

    /// The path's profile id; text that is no id names no profile.
    static func id(_ context: StewardRequestContext) throws -> DeviceProfileID {
        let text = try context.parameters.require("deviceProfileId")
        guard let id = DeviceProfileID(text) else { throw StewardError.notFound("Device profile with id [\(text)] is not found") }
        return id
    }

    func page(_ request: Request, tenant: TenantID, render: (DeviceProfile) -> JSONValue) async throws -> Response {
        let (pageSize, page, offset) = try WebContext.paging(request)
        let query = request.uri.queryParameters
        let order = try DeviceProfileOrder(sortProperty: query.get("sortProperty"), sortOrder: query.get("sortOrder"))
        let (items, total) = try await profiles.page(
            tenant: tenant, textSearch: query.get("textSearch"), order: order, limit: pageSize, offset: offset)
        return HTTP.json(EntityJSON.page(items.map(render), total: total, pageSize: pageSize, page: page).serialized)
    }
}
