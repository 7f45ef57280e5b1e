import Hummingbird
import StewardCore
import StewardDevices
import StewardPrivacy
import StewardStore

/// `GET /api/privacy/device/{deviceId}/categories`: the data category each of a device's telemetry and attribute
/// keys falls in under the declaration (profile rules, then key patterns, then the default), with whether it is
/// sensitive, the purposes that may use it and how long it is kept. This is the same mapping retention, export and
/// the purpose check apply, so what a tenant sees here is what the platform does.
struct DataCategoryRoutes {
    let web: WebContext
    let privacy: PrivacyDeclaration

    func register(on router: some RouterMethods<StewardRequestContext>) {
        router.get("api/privacy/device/:deviceId/categories") { request, context in
            let principal = try context.requireIdentity()
            let device = try await web.visibleDevice(principal, try context.parameters.require("deviceId"))
            var keys = try await web.deviceService.timeSeriesKeys(device)
            for scope in AttributeScope.allCases {
                keys += try await web.deviceService.attributes(device, scope: scope, keys: nil).map(\.key)
            }
            let profileName = try await web.deviceService.profileName(of: device)
            var seen = Set<String>()
            let members = keys.filter { seen.insert($0).inserted }.sorted().map { key in
                JSONMember(key, describe(privacy.category(forTelemetryKey: key, profile: profileName)))
            }
            return HTTP.json(JSONValue.object(members).serialized)
        }
    }

    func describe(_ category: DataCategory) -> JSONValue {
        let rule = privacy.retentionRule(for: category.key)
        let purposes = privacy.purposes.filter { privacy.declares(purpose: $0.key, category: category.key) }.map(\.key)
        return .object([
            JSONMember("category", .string(category.key)),
            JSONMember("name", .string(category.name)),
            JSONMember("sensitive", .bool(category.sensitive)),
            JSONMember("purposes", .array(purposes.map(JSONValue.string))),
            JSONMember("retention", rule.map { .string($0.period) } ?? .null),
            JSONMember("then", rule.map { .string($0.then.rawValue) } ?? .null),
        ])
    }
}
