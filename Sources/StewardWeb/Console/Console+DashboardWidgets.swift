import Foundation
import Hummingbird
import NIOCore
import StewardAuth
import StewardCore
import StewardDevices
import StewardStore

/// The working controls of a dashboard: a switch and a command button post to
/// `/dashboards/{id}/widgets/{n}/command`, which sends through the same `send` (`DeviceHub.callRPC`) as the device
/// page's commands; an attribute form posts to `/dashboards/{id}/widgets/{n}/attribute`, which saves through
/// `DeviceService.saveAttributes` as the device page does. Both redirect back to the dashboard, where the widget shows
/// the answer, the timeout or the refusal (kept in `DashboardWidgetResults`). Plain forms: no JavaScript needed.
/// Whoever may open the dashboard may use its controls, but only on devices they may see (a customer user: their
/// customer's), and only on the devices the widget names.
extension Console {
    func registerDashboardWidgets(on router: Router<StewardRequestContext>) {
        let grid = Self.dashboardGridStylesheet
        router.get("static/dashboard-grid.css") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "public, max-age=3600"],
                body: .init(byteBuffer: ByteBuffer(string: grid)))
        }
        router.post("dashboards/:dashboardId/widgets/:widget/command") { request, context in
            try await signedInForm(request) { viewer, form in
                let (dashboard, number, widget, device) = try await dashboardControl(viewer, context, form, kinds: [.switch, .rpc])
                var command: DeviceCommand
                do {
                    if widget.kind == .switch {
                        switch form["value"] {
                        case "true": command = .switchSet(true)
                        case "false": command = .switchSet(false)
                        default: command = .switchRead()
                        }
                    } else {
                        command = try DeviceCommand.parse(method: widget.method, params: form["params"], oneWay: form["oneway"] != nil)
                    }
                } catch let error as StewardError {
                    return await widgetRedirect(
                        viewer, dashboard, number, ok: false, message: error.message, device: device, params: form["params"])
                }
                let result = await send(command, to: device, viewer: viewer)
                // Name the device (a widget may hold several) unless the message already does.
                let message = result.message.contains(device.name) ? result.message : "\(device.name): \(result.message)"
                return await widgetRedirect(viewer, dashboard, number, ok: result.ok, message: message, reply: result.reply)
            }
        }
        router.post("dashboards/:dashboardId/widgets/:widget/attribute") { request, context in
            try await signedInForm(request) { viewer, form in
                let (dashboard, number, widget, device) = try await dashboardControl(viewer, context, form, kinds: [.attributes])
                do {
                    let scope = try Self.editableScope(form["scope"])
                    let key = (form["attributeKey"] ?? "").trimmingCharacters(in: .whitespaces)
                    guard !key.isEmpty else { throw StewardError.badRequest("Give the attribute's key") }
                    guard key.count <= 255 else { throw StewardError.badRequest("An attribute key is at most 255 characters") }
                    if !widget.keys.isEmpty, !widget.keys.contains(key) {
                        throw StewardError.badRequest("This form sets \(widget.keys.joined(separator: ", ")), not \(key)")
                    }
                    let value = Self.attributeValue(form["value"] ?? "")
                    try await deviceService.saveAttributes(device, scope: scope, values: [KeyValue(key, value)])
                    let words = scope == .shared ? "shared with the device" : "kept on the server"
                    return await widgetRedirect(
                        viewer, dashboard, number, ok: true, message: "Saved \(key) = \(value.stringValue) on \(device.name) (\(words)).")
                } catch let error as StewardError where error.kind == .badRequest {
                    return await widgetRedirect(viewer, dashboard, number, ok: false, message: error.message)
                }
            }
        }
    }

    /// The dashboard (one the viewer may open), the widget by its number in the layout, and the device the form
    /// names, which must be one of the widget's and one the viewer may see.
    func dashboardControl(
        _ viewer: Viewer, _ context: StewardRequestContext, _ form: FormBody, kinds: [DashboardLayout.Kind]
    ) async throws -> (Dashboard, Int, DashboardLayout.Widget, Device) {
        let (tenant, customer) = try dashboardViewer(viewer)
        let dashboard = try await dashboardService.dashboard(tenant: tenant, customer: customer, id: try Self.dashboardID(context))
        let layout = try DashboardLayout.parse(dashboard.layout)
        guard let number = Int(context.parameters.get("widget") ?? ""), layout.widgets.indices.contains(number) else {
            throw StewardError.notFound("This dashboard has no such widget (it may have been edited meanwhile); reload it")
        }
        let widget = layout.widgets[number]
        guard kinds.contains(widget.kind) else {
            throw StewardError.badRequest("This widget is a \(widget.kind.words.lowercased()), which has no such control")
        }
        guard let id = DeviceID(form["widgetDevice"] ?? ""), widget.devices.contains(id) else {
            throw StewardError.notFound("That device is not one of this widget's")
        }
        let device = try await scope.device(WebContext.scope(viewer.principal), id: id.description)
        return (dashboard, number, widget, device)
    }

    func widgetRedirect(
        _ viewer: Viewer, _ dashboard: Dashboard, _ number: Int, ok: Bool, message: String, reply: String? = nil, device: Device? = nil,
        params: String? = nil
    ) async -> Response {
        let token = await DashboardWidgetResults.shared.keep(
            .init(
                user: viewer.user.id, dashboard: dashboard.id, widget: number, ok: ok, message: message, reply: reply, expires: 0,
                device: device?.id.description, params: params.map { String($0.prefix(4_096)) }),
            now: WallClock.nowMillis())
        return redirect("/dashboards/\(dashboard.id)?result=\(token)#widget-\(number)")
    }

    /// Grid places the CSP allows (no inline style): a class per starting row, for every row a layout may use; at
    /// phone width widgets stack in reading order instead.
    static let dashboardGridStylesheet: String = {
        var css = "/* generated by Steward (Console+DashboardWidgets): dashboard rows */\n"
        for row in 1...(DashboardLayout.maximumRows + 1) { css += ".dash-y-\(row) { grid-row-start: \(row); }\n" }
        css += "@media (max-width: 640px) { .dash-grid > .dash-card { grid-row-start: auto; } }\n"
        return css
    }()
}
