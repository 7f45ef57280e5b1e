import Foundation
import StewardCore
import StewardStore

/// Dashboards under their rules, for the console: a title present and unique in the tenant; a layout that
/// `DashboardLayout` accepts and whose devices all belong to the tenant (a foreign or unknown device is refused,
/// naming the widget); shares only with the tenant's customers. Customer users see the dashboards shared with their
/// customer, and nothing else.
public struct DashboardService: Sendable {
    public let devices: any DeviceStore

    public init(devices: any DeviceStore) {
        self.devices = devices
    }

    /// The dashboards a viewer may open: all of the tenant's, or a customer's shared ones.
    public func dashboards(tenant: TenantID, customer: CustomerID?) async throws -> [Dashboard] {
        try await devices.dashboards(tenant: tenant, customer: customer)
    }

    /// The dashboard, if the viewer (the tenant, or one of its customers) may open it; else not-found.
    public func dashboard(tenant: TenantID, customer: CustomerID?, id: DashboardID) async throws -> Dashboard {
        guard let dashboard = try await devices.dashboard(tenant: tenant, id: id),
            customer == nil || dashboard.customers.contains(customer!)
        else { throw StewardError.notFound("There is no such dashboard") }
        return dashboard
    }

    /// Checks a layout against the rules and the tenant's devices; answers it read.
    public func check(layout text: String, tenant: TenantID) async throws -> DashboardLayout {
        let layout = try DashboardLayout.parse(text)
        for (index, widget) in layout.widgets.enumerated() {
            for device in widget.devices where try await devices.device(tenant: tenant, id: device) == nil {
                let name = widget.title.isEmpty ? "Widget \(index + 1)" : "Widget \(index + 1) (“\(widget.title)”)"
                throw StewardError.badRequest("\(name): device \(device) is not one of your devices")
            }
        }
        return layout
    }

    public func create(tenant: TenantID, title: String, layout text: String, customers: [CustomerID] = []) async throws -> Dashboard {
        let title = try Self.title(title)
        if try await devices.dashboards(tenant: tenant, customer: nil).contains(where: { $0.title == title }) {
            throw StewardError.badRequest("A dashboard titled '\(title)' already exists; choose another title")
        }
        let layout = try await check(layout: text, tenant: tenant)
        let dashboard = Dashboard(tenantID: tenant, title: title, layout: layout.json, customers: customers, createdTime: WallClock.nowMillis())
        try await devices.createDashboard(dashboard)
        return try await self.dashboard(tenant: tenant, customer: nil, id: dashboard.id)
    }

    public func update(tenant: TenantID, id: DashboardID, title: String, layout text: String, customers: [CustomerID]) async throws
        -> Dashboard
    {
        var dashboard = try await self.dashboard(tenant: tenant, customer: nil, id: id)
        let title = try Self.title(title)
        if try await devices.dashboards(tenant: tenant, customer: nil).contains(where: { $0.title == title && $0.id != id }) {
            throw StewardError.badRequest("A dashboard titled '\(title)' already exists; choose another title")
        }
        dashboard.title = title
        dashboard.layout = try await check(layout: text, tenant: tenant).json
        dashboard.customers = customers
        try await devices.updateDashboard(dashboard)
        return try await self.dashboard(tenant: tenant, customer: nil, id: id)
    }

    public func delete(tenant: TenantID, id: DashboardID) async throws {
        guard try await devices.deleteDashboard(tenant: tenant, id: id) else { throw StewardError.notFound("There is no such dashboard") }
    }

    /// A profile's generated default dashboard: a chart of the keys its devices report and a card of their latest
    /// values, over the profile's devices (at most `maximumDevicesPerWidget`).
    public static func defaultLayout(devices: [DeviceID], keys: [String]) -> DashboardLayout {
        let devices = Array(devices.prefix(DashboardLayout.maximumDevicesPerWidget))
        let keys = Array(keys.sorted().prefix(DashboardLayout.maximumKeysPerWidget))
        guard !devices.isEmpty, !keys.isEmpty else { return DashboardLayout(widgets: []) }
        return DashboardLayout(widgets: [
            .init(kind: .timeseries, title: "History", devices: devices, keys: keys, x: 0, y: 0, w: 8, h: 5),
            .init(kind: .latest, title: "Latest values", devices: devices, keys: keys, x: 8, y: 0, w: 4, h: 5),
        ])
    }

    static func title(_ text: String) throws(StewardError) -> String {
        let title = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !title.isEmpty else { throw .badRequest("Give the dashboard a title") }
        guard title.count <= 255 else { throw .badRequest("A dashboard title is at most 255 characters") }
        return title
    }
}
