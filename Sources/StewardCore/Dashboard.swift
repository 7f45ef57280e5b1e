/// Dashboards: a tenant's arrangement of widgets over its devices, shareable with customers (issue 15).
public enum DashboardKind: EntityKind { public static let entityType = "DASHBOARD" }
public typealias DashboardID = EntityID<DashboardKind>

/// A dashboard as stored: its layout is JSON text (`DashboardLayout` reads and checks it), and the customers it is
/// shared with, whose users may open it.
public struct Dashboard: Sendable, Equatable {
    public var id: DashboardID
    public var tenantID: TenantID
    public var title: String
    /// `{"widgets":[{"kind":…, "title":…, "devices":[ids], "keys":[…], "x":0, "y":0, "w":6, "h":4}, …]}`.
    public var layout: String
    public var customers: [CustomerID]
    public var createdTime: Int64

    public init(
        id: DashboardID = DashboardID(), tenantID: TenantID, title: String, layout: String, customers: [CustomerID] = [],
        createdTime: Int64
    ) {
        self.id = id
        self.tenantID = tenantID
        self.title = title
        self.layout = layout
        self.customers = customers
        self.createdTime = createdTime
    }
}
