extension SQLiteSchema {
    /// Where an account came from (promise TM-3), which person a device concerns (TB-5), erasure receipts and the
    /// anonymous statistics an erasure leaves behind (MS-3).
    static let rightsSchema = """
        ALTER TABLE user ADD COLUMN origin TEXT;
        ALTER TABLE device ADD COLUMN person_id TEXT REFERENCES user(id) ON DELETE SET NULL;
        CREATE INDEX device_person ON device(person_id);
        CREATE INDEX audit_log_actor ON audit_log(actor_id, seq);
        -- Names no one: the id is random and the body lists categories and counts only.
        CREATE TABLE erasure_receipt (
            id TEXT PRIMARY KEY,
            time INTEGER NOT NULL,
            body TEXT NOT NULL
        );
        -- Daily aggregates per tenant, category and key, without any device or person.
        CREATE TABLE statistic (
            tenant_id TEXT NOT NULL,
            category TEXT NOT NULL,
            key TEXT NOT NULL,
            day INTEGER NOT NULL,
            count INTEGER NOT NULL,
            sum REAL NOT NULL,
            min REAL NOT NULL,
            max REAL NOT NULL,
            PRIMARY KEY (tenant_id, category, key, day)
        ) WITHOUT ROWID;
        """
}
