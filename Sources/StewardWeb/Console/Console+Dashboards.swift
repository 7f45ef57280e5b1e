import Foundation
import Hummingbird
import NIOCore
import StewardAuth
import StewardCore
import StewardDevices
import StewardPrivacy
import StewardStore

/// Dashboards in the console (`/dashboards`): tenant administrators build them (title, widgets as JSON or one by one
/// through the "Add a widget" form, customers to share with) through `DashboardService`, which checks every layout;
/// customer users open only those shared with their customer. A profile's generated default dashboard is at
/// `/profiles/{id}/dashboard`. Widgets are drawn on the server: latest values as a table; charts, maps, switches,
/// commands and attribute forms as cards that open the device's page, where those controls live.
extension Console {
    var dashboardService: DashboardService { DashboardService(devices: deviceService.devices) }

    func registerDashboardPages(on router: Router<StewardRequestContext>) {
        // The dashboard's chart script, from the bundle like the device page's (`Console+DevicesData`).
        let script = ConsoleRenderer.resourceRoot.flatMap {
            try? String(contentsOf: $0.appendingPathComponent("Static/dashboard.js"), encoding: .utf8)
        } ?? ""
        router.get("static/dashboard.js") { _, _ in
            Response(
                status: script.isEmpty ? .notFound : .ok,
                headers: [.contentType: "text/javascript; charset=utf-8", .cacheControl: "no-cache"],
                body: .init(byteBuffer: ByteBuffer(string: script)))
        }
        router.get("dashboards") { request, _ in
            try await signedIn(request) { viewer in
                let (tenant, customer) = try dashboardViewer(viewer)
                let dashboards = try await dashboardService.dashboards(tenant: tenant, customer: customer)
                var flash: Flash?
                if let title = request.uri.queryParameters.get("deleted") { flash = .notice("Deleted the dashboard \(title).") }
                return page(
                    viewer, "dashboards", title: "Dashboards",
                    [
                        "dashboards": dashboards.map { dashboard -> [String: Any] in
                            let widgets = (try? DashboardLayout.parse(dashboard.layout).widgets.count) ?? 0
                            return ["id": dashboard.id.description, "title": dashboard.title, "widgets": widgets, "shared": dashboard.customers.count]
                        },
                        "hasDashboards": !dashboards.isEmpty, "canManage": customer == nil,
                    ], flash: flash)
            }
        }
        router.get("dashboards/new") { request, _ in
            try await signedIn(request) { viewer in
                let tenant = try requireDashboardAdmin(viewer)
                return try await dashboardForm(viewer, tenant: tenant, dashboard: nil, values: [:], shared: [])
            }
        }
        router.post("dashboards/new") { request, _ in
            try await signedInForm(request) { viewer, form in
                let tenant = try requireDashboardAdmin(viewer)
                let customers = Self.sharedCustomers(form)
                do {
                    let dashboard = try await dashboardService.create(
                        tenant: tenant, title: form["title"] ?? "", layout: form["layout"] ?? "", customers: customers)
                    return redirect("/dashboards/\(dashboard.id)?saved=1")
                } catch let error as StewardError where error.kind == .badRequest {
                    return try await dashboardForm(
                        viewer, tenant: tenant, dashboard: nil, values: form.fields, shared: customers, flash: .error(error.message),
                        status: .badRequest)
                }
            }
        }
        router.get("dashboards/:dashboardId") { request, context in
            try await signedIn(request) { viewer in
                let (tenant, customer) = try dashboardViewer(viewer)
                let dashboard = try await dashboardService.dashboard(tenant: tenant, customer: customer, id: try Self.dashboardID(context))
                let flash: Flash? = request.uri.queryParameters.get("saved") != nil ? .notice("Saved \(dashboard.title).") : nil
                var result: DashboardWidgetResults.Entry?
                if let token = request.uri.queryParameters.get("result") {
                    result = await DashboardWidgetResults.shared.take(
                        String(token), user: viewer.user.id, dashboard: dashboard.id, now: WallClock.nowMillis())
                }
                return try await dashboardView(
                    viewer, context, title: dashboard.title, layout: try DashboardLayout.parse(dashboard.layout), dashboard: dashboard,
                    canManage: customer == nil, flash: flash, result: result)
            }
        }
        router.get("dashboards/:dashboardId/edit") { request, context in
            try await signedIn(request) { viewer in
                let tenant = try requireDashboardAdmin(viewer)
                let dashboard = try await dashboardService.dashboard(tenant: tenant, customer: nil, id: try Self.dashboardID(context))
                return try await dashboardForm(viewer, tenant: tenant, dashboard: dashboard, values: [:], shared: dashboard.customers)
            }
        }
        router.post("dashboards/:dashboardId/edit") { request, context in
            try await signedInForm(request) { viewer, form in
                let tenant = try requireDashboardAdmin(viewer)
                let dashboard = try await dashboardService.dashboard(tenant: tenant, customer: nil, id: try Self.dashboardID(context))
                let customers = Self.sharedCustomers(form)
                do {
                    _ = try await dashboardService.update(
                        tenant: tenant, id: dashboard.id, title: form["title"] ?? "", layout: form["layout"] ?? "", customers: customers)
                    return redirect("/dashboards/\(dashboard.id)?saved=1")
                } catch let error as StewardError where error.kind == .badRequest {
                    return try await dashboardForm(
                        viewer, tenant: tenant, dashboard: dashboard, values: form.fields, shared: customers, flash: .error(error.message),
                        status: .badRequest)
                }
            }
        }
        router.post("dashboards/:dashboardId/widgets") { request, context in
            try await signedInForm(request) { viewer, form in
                let tenant = try requireDashboardAdmin(viewer)
                let dashboard = try await dashboardService.dashboard(tenant: tenant, customer: nil, id: try Self.dashboardID(context))
                do {
                    let layout = try Self.layout(dashboard.layout, adding: form)
                    _ = try await dashboardService.update(
                        tenant: tenant, id: dashboard.id, title: dashboard.title, layout: layout, customers: dashboard.customers)
                    return redirect("/dashboards/\(dashboard.id)/edit?added=1")
                } catch let error as StewardError where error.kind == .badRequest {
                    return try await dashboardForm(
                        viewer, tenant: tenant, dashboard: dashboard, values: [:], widgetValues: form.fields, shared: dashboard.customers,
                        flash: .error(error.message), status: .badRequest)
                }
            }
        }
        router.get("dashboards/:dashboardId/delete") { request, context in
            try await signedIn(request) { viewer in
                let tenant = try requireDashboardAdmin(viewer)
                let dashboard = try await dashboardService.dashboard(tenant: tenant, customer: nil, id: try Self.dashboardID(context))
                return page(
                    viewer, "dashboard-delete", title: "Delete \(dashboard.title)?",
                    ["id": dashboard.id.description, "title": dashboard.title, "shared": dashboard.customers.count])
            }
        }
        router.post("dashboards/:dashboardId/delete") { request, context in
            try await signedInForm(request) { viewer, _ in
                let tenant = try requireDashboardAdmin(viewer)
                let dashboard = try await dashboardService.dashboard(tenant: tenant, customer: nil, id: try Self.dashboardID(context))
                try await dashboardService.delete(tenant: tenant, id: dashboard.id)
                return redirect("/dashboards?deleted=\(Self.queryValue(dashboard.title))")
            }
        }
        router.get("profiles/:profileId/dashboard") { request, context in
            try await signedIn(request) { viewer in
                let tenant = try requireProfileAdmin(viewer)
                let profile = try await deviceProfiles.profile(tenant: tenant, id: try Self.profileID(context))
                let devices = try await deviceService.devices.devices(tenant: tenant, customer: nil, textSearch: nil, limit: 1_000, offset: 0)
                    .filter { $0.profileID == profile.id }
                var keys = Set<String>()
                for device in devices.prefix(DashboardLayout.maximumDevicesPerWidget) {
                    for (key, point) in try await deviceService.latest(device, keys: nil) where point.value.doubleValue != nil {
                        keys.insert(key)
                    }
                }
                let layout = DashboardService.defaultLayout(devices: devices.map(\.id), keys: Array(keys))
                return try await dashboardView(
                    viewer, context, title: "\(profile.name): default dashboard", layout: layout, dashboard: nil, canManage: false,
                    flash: nil, generatedFor: profile.name)
            }
        }
        registerDashboardWidgets(on: router)
    }

    func requireDashboardAdmin(_ viewer: Viewer) throws(StewardError) -> TenantID {
        guard viewer.user.authority == .tenantAdmin, let tenant = viewer.user.tenantID else {
            throw .forbidden("Only tenant administrators build dashboards")
        }
        return tenant
    }

    /// The tenant and, for a customer user, their customer (whose shared dashboards they see).
    func dashboardViewer(_ viewer: Viewer) throws(StewardError) -> (TenantID, CustomerID?) {
        guard let tenant = viewer.user.tenantID else { throw .forbidden("The system administrator has no dashboards") }
        if viewer.user.authority == .customerUser {
            guard let customer = viewer.user.customerID else { throw .forbidden("This account belongs to no customer") }
            return (tenant, customer)
        }
        return (tenant, nil)
    }

    static func dashboardID(_ context: StewardRequestContext) throws(StewardError) -> DashboardID {
        guard let id = DashboardID(context.parameters.get("dashboardId") ?? "") else { throw .notFound("There is no such dashboard") }
        return id
    }

    static func sharedCustomers(_ form: FormBody) -> [CustomerID] {
        (form.values["share"] ?? []).compactMap(CustomerID.init)
    }

    /// The stored layout with one widget more, from the "Add a widget" form (checked again by the service).
    static func layout(_ stored: String, adding form: FormBody) throws -> String {
        var layout = try DashboardLayout.parse(stored)
        let keys = (form["widgetKeys"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        var widget: [JSONMember] = [
            JSONMember("kind", .string(form["widgetKind"] ?? "")), JSONMember("title", .string(form["widgetTitle"] ?? "")),
            JSONMember("devices", .array((form.values["widgetDevices"] ?? []).map(JSONValue.string))),
            JSONMember("keys", .array(keys.map(JSONValue.string))),
        ]
        if let method = form["widgetMethod"], !method.isEmpty { widget.append(JSONMember("method", .string(method))) }
        for field in ["x", "y", "w", "h"] {
            if let text = form["widget" + field.uppercased()], !text.isEmpty {
                guard Int(text) != nil else { throw StewardError.badRequest("The new widget's \(field) must be a whole number") }
                widget.append(JSONMember(field, .number(text)))
            }
        }
        let parsed = try DashboardLayout.parse(JSONValue.object([JSONMember("widgets", .array([.object(widget)]))]).serialized)
        layout.widgets.append(contentsOf: parsed.widgets)
        return layout.json
    }

    func dashboardForm(
        _ viewer: Viewer, tenant: TenantID, dashboard: Dashboard?, values: [String: String], widgetValues: [String: String] = [:],
        shared: [CustomerID], flash: Flash? = nil, status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let devices = try await deviceService.devices.devices(tenant: tenant, customer: nil, textSearch: nil, limit: 1_000, offset: 0)
        let customers = try await accounts.customers(tenant: tenant)
        let example = devices.first.map {
            DashboardLayout(widgets: [.init(kind: .latest, title: "Latest values", devices: [$0.id], keys: ["temperature"], w: 6, h: 3)]).json
        } ?? #"{"widgets":[]}"#
        var data: [String: Any] = [
            "editing": dashboard != nil, "action": dashboard.map { "/dashboards/\($0.id)/edit" } ?? "/dashboards/new",
            "title": values["title"] ?? dashboard?.title ?? "",
            "layout": values["layout"] ?? dashboard?.layout ?? example,
            "customers": customers.map { ["id": $0.id.description, "name": $0.name, "checked": shared.contains($0.id)] as [String: Any] },
            "hasCustomers": !customers.isEmpty,
            "kinds": DashboardLayout.Kind.allCases.map {
                ["value": $0.rawValue, "words": $0.words, "selected": widgetValues["widgetKind"] == $0.rawValue] as [String: Any]
            },
            "devices": devices.map { ["id": $0.id.description, "name": $0.name] as [String: Any] },
            "widgetTitle": widgetValues["widgetTitle"] ?? "", "keys": widgetValues["widgetKeys"] ?? "", "method": widgetValues["widgetMethod"] ?? "",
            "kindList": DashboardLayout.Kind.allCases.map(\.rawValue).joined(separator: ", "),
        ]
        if let dashboard { data["id"] = dashboard.id.description }
        let title = dashboard.map { "Edit \($0.title)" } ?? "New dashboard"
        return page(viewer, "dashboard-form", title: title, data, flash: flash, status: status)
    }

    func dashboardView(
        _ viewer: Viewer, _ context: StewardRequestContext, title: String, layout: DashboardLayout, dashboard: Dashboard?,
        canManage: Bool, flash: Flash?, generatedFor: String? = nil, result: DashboardWidgetResults.Entry? = nil
    ) async throws -> Response {
        let scope = WebContext.scope(viewer.principal)
        let now = WallClock.nowMillis()
        var cards: [[String: Any]] = []
        var mapShown = false
        for (number, widget) in layout.widgets.enumerated().sorted(by: { ($0.1.y, $0.1.x) < ($1.1.y, $1.1.x) }) {
            var devices: [[String: Any]] = []
            var rows: [[String: Any]] = []
            for id in widget.devices {
                // Only devices the viewer may see; a deleted or foreign one shows as gone.
                guard let device = try? await self.scope.device(scope, id: id.description) else {
                    devices.append(["name": "a device that was deleted or is not yours to see", "gone": true])
                    continue
                }
                var shown: [String: Any] = ["id": device.id.description, "name": device.name]
                if let result, result.widget == number, result.device == device.id.description, let params = result.params {
                    shown["typedParams"] = params
                }
                if widget.kind == .attributes {
                    // What the form would change: the current shared and server values of the widget's keys.
                    var current: [[String: Any]] = []
                    for (scope, words) in [(StewardCore.AttributeScope.shared, "shared"), (.server, "server")] {
                        for entry in try await deviceService.attributes(device, scope: scope, keys: widget.keys.isEmpty ? nil : widget.keys)
                            .sorted(by: { $0.key < $1.key }).prefix(20)
                        {
                            current.append([
                                "key": entry.key, "value": entry.value.stringValue, "scope": words,
                                "moment": ConsoleFormat.moment(entry.lastUpdateTs, now: now),
                            ])
                        }
                    }
                    shown["current"] = current
                    shown["hasCurrent"] = !current.isEmpty
                }
                devices.append(shown)
                if widget.kind == .latest || widget.kind == .timeseries {
                    let latest = try await deviceService.latest(device, keys: widget.keys)
                    let profile = try await deviceService.profileName(of: device)
                    let categories = DeviceKeyCategories(privacy: privacy, profile: profile)
                    let sensitive = latest.keys.filter { categories.category($0).sensitive }.sorted()
                    if !sensitive.isEmpty {
                        try await logSensitiveView(viewer, device: device, keys: sensitive, what: "dashboard \(title)", ip: context.clientIP)
                    }
                    for key in widget.keys {
                        var row: [String: Any] = ["device": device.name, "key": key, "value": latest[key]?.value.stringValue ?? "—"]
                        if let point = latest[key] { row["moment"] = ConsoleFormat.moment(point.ts, now: now) }
                        rows.append(row)
                    }
                }
            }
            let visible = devices.filter { $0["gone"] == nil }
            var card: [String: Any] = [
                "number": number, "kind": widget.kind.rawValue, "kindWords": widget.kind.words,
                "title": widget.title.isEmpty ? widget.kind.words : widget.title,
                "classes": "dash-x-\(widget.x + 1) dash-y-\(widget.y + 1) dash-w-\(widget.w) dash-h-\(widget.h)", "devices": devices, "rows": rows,
                "hasRows": !rows.isEmpty, "keys": widget.keys.joined(separator: ", "), "keysCSV": widget.keys.joined(separator: ","),
                "method": widget.method ?? "",
                "isLatest": widget.kind == .latest, "isChart": widget.kind == .timeseries, "isMap": widget.kind == .map,
                "isSwitch": widget.kind == .switch, "isRPC": widget.kind == .rpc, "isAttributes": widget.kind == .attributes,
                "hasVisible": !visible.isEmpty, "visible": visible, "hasGone": visible.count < devices.count,
                "isControl": [.switch, .rpc, .attributes].contains(widget.kind),
                "attributeKeys": widget.keys.map { ["key": $0] }, "hasAttributeKeys": !widget.keys.isEmpty,
            ]
            if widget.kind == .map, !visible.isEmpty {
                mapShown = true
                card["mapDevices"] = visible.compactMap { $0["id"] as? String }.joined(separator: ",")
                card["mapNames"] = JSONValue.array(visible.compactMap { $0["name"] as? String }.map(JSONValue.string)).serialized
            }
            if let result, result.widget == number {
                var shown: [String: Any] = ["ok": result.ok, "message": result.message]
                if let reply = result.reply {
                    shown["reply"] = reply
                    if widget.kind == .switch, let state = DeviceCommand.switchState(reply) { shown["state"] = state ? "on" : "off" }
                }
                card["result"] = shown
            }
            cards.append(card)
        }
        var data: [String: Any] = [
            "cards": cards, "hasCards": !cards.isEmpty, "canManage": canManage,
            "hasChart": layout.widgets.contains { $0.kind == .timeseries }, "hasMap": mapShown,
        ]
        var imageOrigins: [String] = []
        if mapShown, let pages = devicePages {
            data["mapTiles"] = pages.settings.mapTiles ?? ""
            if let origin = pages.settings.tileOrigin { imageOrigins.append(origin) }
        }
        if let dashboard {
            data["id"] = dashboard.id.description
            data["dashboardId"] = dashboard.id.description
            let customers = try await accounts.customers(tenant: dashboard.tenantID)
            let names = customers.filter { dashboard.customers.contains($0.id) }.map(\.name)
            if !names.isEmpty { data["sharedWith"] = names.joined(separator: ", ") }
        }
        if let generatedFor { data["generatedFor"] = generatedFor }
        return page(viewer, "dashboard", title: title, data, flash: flash, imageOrigins: imageOrigins)
    }
}
