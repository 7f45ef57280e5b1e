import StewardCore
import StewardStore
import Synchronization

/// Dashboards in memory: `InMemoryDeviceStore` keeps none (services that need them run on a real store in tests),
/// `ProfileOnlyDeviceStore` neither.
extension InMemoryDeviceStore {
    public func createDashboard(_ dashboard: Dashboard) async throws { throw StewardError(.internal, "InMemoryDeviceStore keeps no dashboards") }
    public func updateDashboard(_ dashboard: Dashboard) async throws { throw StewardError(.internal, "InMemoryDeviceStore keeps no dashboards") }
    public func deleteDashboard(tenant: TenantID, id: DashboardID) async throws -> Bool { false }
    public func dashboard(tenant: TenantID, id: DashboardID) async throws -> Dashboard? { nil }
    public func dashboards(tenant: TenantID, customer: CustomerID?) async throws -> [Dashboard] { [] }
}

extension ProfileOnlyDeviceStore {
    public func createDashboard(_ dashboard: Dashboard) async throws {}
    public func updateDashboard(_ dashboard: Dashboard) async throws {}
    public func deleteDashboard(tenant: TenantID, id: DashboardID) async throws -> Bool { false }
    public func dashboard(tenant: TenantID, id: DashboardID) async throws -> Dashboard? { nil }
    public func dashboards(tenant: TenantID, customer: CustomerID?) async throws -> [Dashboard] { [] }
}
