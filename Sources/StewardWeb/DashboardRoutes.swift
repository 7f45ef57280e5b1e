import Foundation
import Hummingbird
import StewardAuth
import StewardCore
import StewardDevices
import StewardStore

/// ThingsBoard's dashboard API (`DashboardController`) over Steward's dashboards: list, read, save and delete, in
/// ThingsBoard's entity shape (`id`, `createdTime`, `tenantId`, `title`, `assignedCustomers`) with Steward's own widget
/// layout as `configuration` (`{"widgets":[…]}`, checked by `DashboardLayout`), not ThingsBoard's widget bundles.
/// Tenant administrators manage them; a customer user reads those shared with their customer. Every rule lives in
/// `DashboardService`.
struct DashboardRoutes {
    let web: WebContext
    var dashboards: DashboardService { DashboardService(devices: web.devices) }

    func register(on router: some RouterMethods<StewardRequestContext>) {
        router.get("api/tenant/dashboards") { request, context in
            let tenant = try web.requireTenantAdmin(try context.requireIdentity())
            let (pageSize, page, offset) = try WebContext.paging(request)
            var all = try await dashboards.dashboards(tenant: tenant, customer: nil)
            if let search = request.uri.queryParameters.get("textSearch"), !search.isEmpty {
                all = all.filter { $0.title.localizedCaseInsensitiveContains(String(search)) }
            }
            all.sort { $0.title.localizedStandardCompare($1.title) == .orderedAscending }
            let items = all.dropFirst(min(offset, all.count)).prefix(pageSize).map { Self.json($0, configuration: false) }
            return HTTP.json(EntityJSON.page(Array(items), total: all.count, pageSize: pageSize, page: page).serialized)
        }
        router.get("api/dashboard/:dashboardId") { request, context in
            let principal = try context.requireIdentity()
            let tenant = try web.tenant(of: principal)
            let customer = principal.authority == .customerUser ? principal.customerID : nil
            if principal.authority == .customerUser, customer == nil { throw StewardError.notFound("Dashboard is not found") }
            let dashboard = try await dashboards.dashboard(tenant: tenant, customer: customer, id: try Self.id(context))
            return HTTP.json(Self.json(dashboard, configuration: true).serialized)
        }
        router.post("api/dashboard") { request, context in
            let tenant = try web.requireTenantAdmin(try context.requireIdentity())
            let body = try await WebContext.parseBody(request, limit: 262_144)
            guard case .object = body else { throw StewardError.badRequest("The dashboard must be a JSON object") }
            guard let title = body["title"]?.stringValue else { throw StewardError.badRequest("Give the dashboard's \"title\"") }
            let layout: String
            switch body["configuration"] {
            case nil, .null?: layout = #"{"widgets":[]}"#
            case .object?: layout = body["configuration"]!.serialized
            default:
                throw StewardError.badRequest(
                    #"The "configuration" must be Steward's widget layout, a JSON object {"widgets":[…]} (ThingsBoard's widget bundles are not supported)"#)
            }
            let saved: Dashboard
            if let uuid = EntityJSON.uuid(from: body["id"]) {
                let current = try await dashboards.dashboard(tenant: tenant, customer: nil, id: DashboardID(uuid))
                saved = try await dashboards.update(tenant: tenant, id: current.id, title: title, layout: layout, customers: current.customers)
            } else {
                saved = try await dashboards.create(tenant: tenant, title: title, layout: layout)
            }
            return HTTP.json(Self.json(saved, configuration: true).serialized)
        }
        router.delete("api/dashboard/:dashboardId") { request, context in
            let tenant = try web.requireTenantAdmin(try context.requireIdentity())
            let dashboard = try await dashboards.dashboard(tenant: tenant, customer: nil, id: try Self.id(context))
            try await dashboards.delete(tenant: tenant, id: dashboard.id)
            return HTTP.ok()
        }
    }

    static func id(_ context: StewardRequestContext) throws -> DashboardID {
        let text = try context.parameters.require("dashboardId")
        guard let id = DashboardID(text) else { throw StewardError.notFound("Dashboard with id [\(text)] is not found") }
        return id
    }

    /// ThingsBoard's `Dashboard` (with `configuration`) or `DashboardInfo` (without).
    static func json(_ dashboard: Dashboard, configuration: Bool) -> JSONValue {
        var members = [
            JSONMember("id", EntityJSON.id(DashboardKind.entityType, dashboard.id.uuid)),
            JSONMember("createdTime", EntityJSON.number(dashboard.createdTime)),
            JSONMember("tenantId", EntityJSON.id(TenantKind.entityType, dashboard.tenantID.uuid)),
            JSONMember("title", .string(dashboard.title)),
            JSONMember("name", .string(dashboard.title)),
            JSONMember(
                "assignedCustomers",
                .array(
                    dashboard.customers.map {
                        .object([JSONMember("customerId", EntityJSON.id(CustomerKind.entityType, $0.uuid)), JSONMember("public", .bool(false))])
                    })),
        ]
        if configuration {
            members.append(JSONMember("configuration", (try? JSONParser.parse(dashboard.layout)) ?? .object([])))
        }
        return .object(members)
    }
}
