import GRDB
import StewardCore
import StewardStore

/// Dashboards and the customers they are shared with (issue 15).
extension SQLiteStore {
    public func createDashboard(_ dashboard: Dashboard) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO dashboard(id, tenant_id, title, layout, created_time) VALUES (?, ?, ?, ?, ?)",
                arguments: [
                    dashboard.id.description, dashboard.tenantID.description, dashboard.title, dashboard.layout, dashboard.createdTime,
                ])
            try Self.writeDashboardCustomers(dashboard, db)
        }
    }

    public func updateDashboard(_ dashboard: Dashboard) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE dashboard SET title = ?, layout = ? WHERE tenant_id = ? AND id = ?",
                arguments: [dashboard.title, dashboard.layout, dashboard.tenantID.description, dashboard.id.description])
            guard db.changesCount > 0 else { throw StewardError.notFound("Dashboard with id [\(dashboard.id)] is not found") }
            try db.execute(sql: "DELETE FROM dashboard_customer WHERE dashboard_id = ?", arguments: [dashboard.id.description])
            try Self.writeDashboardCustomers(dashboard, db)
        }
    }

    /// Shares with the dashboard's customers that belong to its tenant (others are skipped).
    static func writeDashboardCustomers(_ dashboard: Dashboard, _ db: Database) throws {
        for customer in Set(dashboard.customers) {
            try db.execute(
                sql: """
                    INSERT INTO dashboard_customer(dashboard_id, customer_id)
                    SELECT ?, id FROM customer WHERE id = ? AND tenant_id = ?
                    """,
                arguments: [dashboard.id.description, customer.description, dashboard.tenantID.description])
        }
    }

    public func deleteDashboard(tenant: TenantID, id: DashboardID) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM dashboard WHERE tenant_id = ? AND id = ?", arguments: [tenant.description, id.description])
            return db.changesCount > 0
        }
    }

    public func dashboard(tenant: TenantID, id: DashboardID) async throws -> Dashboard? {
        try await pool.read { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT * FROM dashboard WHERE tenant_id = ? AND id = ?", arguments: [tenant.description, id.description])
            else { return nil }
            return try Self.dashboard(row, db)
        }
    }

    public func dashboards(tenant: TenantID, customer: CustomerID?) async throws -> [Dashboard] {
        try await pool.read { db in
            let rows: [Row]
            if let customer {
                rows = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT d.* FROM dashboard d JOIN dashboard_customer c ON c.dashboard_id = d.id
                        WHERE d.tenant_id = ? AND c.customer_id = ? ORDER BY LOWER(d.title), d.id
                        """,
                    arguments: [tenant.description, customer.description])
            } else {
                rows = try Row.fetchAll(
                    db, sql: "SELECT * FROM dashboard WHERE tenant_id = ? ORDER BY LOWER(title), id", arguments: [tenant.description])
            }
            return try rows.map { try Self.dashboard($0, db) }
        }
    }

    static func dashboard(_ row: Row, _ db: Database) throws -> Dashboard {
        let id: String = row["id"]
        let customers = try String.fetchAll(
            db, sql: "SELECT customer_id FROM dashboard_customer WHERE dashboard_id = ? ORDER BY customer_id", arguments: [id])
        return Dashboard(
            id: DashboardID(id)!, tenantID: TenantID(row["tenant_id"] as String)!, title: row["title"], layout: row["layout"],
            customers: customers.compactMap(CustomerID.init), createdTime: row["created_time"])
    }
}
