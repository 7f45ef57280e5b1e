import StewardCore
import StewardStore

/// Dashboards and the customers they are shared with (issue 15), as `SQLiteStore+Dashboards`.
extension PostgresStore {
    public func createDashboard(_ dashboard: Dashboard) async throws {
        try await database.write { db in
            try await db.execute(
                sql: "INSERT INTO dashboard(id, tenant_id, title, layout, created_time) VALUES (?, ?, ?, ?, ?)",
                arguments: [
                    dashboard.id.description, dashboard.tenantID.description, dashboard.title, dashboard.layout, dashboard.createdTime,
                ])
            try await Self.writeDashboardCustomers(dashboard, db)
        }
    }

    public func updateDashboard(_ dashboard: Dashboard) async throws {
        try await database.write { db in
            let changed = try await db.execute(
                sql: "UPDATE dashboard SET title = ?, layout = ? WHERE tenant_id = ? AND id = ?",
                arguments: [dashboard.title, dashboard.layout, dashboard.tenantID.description, dashboard.id.description])
            guard changed > 0 else { throw StewardError.notFound("Dashboard with id [\(dashboard.id)] is not found") }
            try await db.execute(sql: "DELETE FROM dashboard_customer WHERE dashboard_id = ?", arguments: [dashboard.id.description])
            try await Self.writeDashboardCustomers(dashboard, db)
        }
    }

    static func writeDashboardCustomers(_ dashboard: Dashboard, _ db: SQLConnection) async throws {
        for customer in Set(dashboard.customers) {
            try await db.execute(
                sql: """
                    INSERT INTO dashboard_customer(dashboard_id, customer_id)
                    SELECT ?, id FROM customer WHERE id = ? AND tenant_id = ?
                    """,
                arguments: [dashboard.id.description, customer.description, dashboard.tenantID.description])
        }
    }

    public func deleteDashboard(tenant: TenantID, id: DashboardID) async throws -> Bool {
        try await database.write { db in
            try await db.execute(
                sql: "DELETE FROM dashboard WHERE tenant_id = ? AND id = ?", arguments: [tenant.description, id.description]) > 0
        }
    }

    public func dashboard(tenant: TenantID, id: DashboardID) async throws -> Dashboard? {
        try await database.read { db in
            guard
                let row = try await db.fetchOne(
                    sql: "SELECT * FROM dashboard WHERE tenant_id = ? AND id = ?", arguments: [tenant.description, id.description])
            else { return nil }
            return try await Self.dashboard(row, db)
        }
    }

    public func dashboards(tenant: TenantID, customer: CustomerID?) async throws -> [Dashboard] {
        try await database.read { db in
            let rows: [SQLRow]
            if let customer {
                rows = try await db.fetchAll(
                    sql: """
                        SELECT d.* FROM dashboard d JOIN dashboard_customer c ON c.dashboard_id = d.id
                        WHERE d.tenant_id = ? AND c.customer_id = ? ORDER BY LOWER(d.title), d.id
                        """,
                    arguments: [tenant.description, customer.description])
            } else {
                rows = try await db.fetchAll(
                    sql: "SELECT * FROM dashboard WHERE tenant_id = ? ORDER BY LOWER(title), id", arguments: [tenant.description])
            }
            var dashboards: [Dashboard] = []
            for row in rows { dashboards.append(try await Self.dashboard(row, db)) }
            return dashboards
        }
    }

    static func dashboard(_ row: SQLRow, _ db: SQLConnection) async throws -> Dashboard {
        let id: String = try row["id"]
        let tenant: String = try row["tenant_id"]
        let customers = try await db.fetchValues(
            String.self, sql: "SELECT customer_id FROM dashboard_customer WHERE dashboard_id = ? ORDER BY customer_id", arguments: [id])
        return Dashboard(
            id: DashboardID(id)!, tenantID: TenantID(tenant)!, title: try row["title"], layout: try row["layout"],
            customers: customers.compactMap(CustomerID.init), createdTime: try row["created_time"])
    }
}
