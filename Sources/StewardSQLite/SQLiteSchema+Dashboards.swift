extension SQLiteSchema {
    /// Dashboards (issue 15): a tenant's widgets over its devices as JSON text (checked by `DashboardLayout` before it
    /// is written), and the customers each is shared with.
    static let dashboardSchema = """
        CREATE TABLE dashboard (
            id TEXT PRIMARY KEY,
            tenant_id TEXT NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
            title TEXT NOT NULL,
            layout TEXT NOT NULL,
            created_time INTEGER NOT NULL,
            UNIQUE (tenant_id, title)
        );
        CREATE TABLE dashboard_customer (
            dashboard_id TEXT NOT NULL REFERENCES dashboard(id) ON DELETE CASCADE,
            customer_id TEXT NOT NULL REFERENCES customer(id) ON DELETE CASCADE,
            PRIMARY KEY (dashboard_id, customer_id)
        ) WITHOUT ROWID;
        CREATE INDEX dashboard_customer_customer ON dashboard_customer(customer_id);
        """
}
