extension SQLiteSchema {
    /// Data-subject requests with their statutory clocks, complaints, and the register of disclosures to
    /// authorities. No foreign keys: these records prove a request was honoured or a disclosure made, so they
    /// outlive the account and tenant they concern (a declared legal hold), like the audit trail.
    static let requestsSchema = """
        CREATE TABLE dsr_request (
            id TEXT PRIMARY KEY,
            tenant_id TEXT,
            user_id TEXT,
            email TEXT NOT NULL COLLATE NOCASE,
            name TEXT,
            kind TEXT NOT NULL,
            details TEXT NOT NULL DEFAULT '',
            jurisdiction TEXT NOT NULL,
            status TEXT NOT NULL,
            source TEXT NOT NULL,
            -- SHA-256 of the mailed link's secret; the secret itself is never stored.
            verification_hash TEXT UNIQUE,
            verification_expires INTEGER,
            received_time INTEGER NOT NULL,
            verified_time INTEGER,
            acknowledge_by INTEGER,
            acknowledged_time INTEGER,
            due_time INTEGER,
            extended_due_time INTEGER,
            extension_reason TEXT,
            extension_notified_time INTEGER,
            closed_time INTEGER,
            closed_by TEXT,
            outcome TEXT
        );
        CREATE INDEX dsr_request_tenant ON dsr_request(tenant_id, status);
        CREATE INDEX dsr_request_email ON dsr_request(email);
        CREATE INDEX dsr_request_user ON dsr_request(user_id);
        CREATE TABLE complaint (
            id TEXT PRIMARY KEY,
            tenant_id TEXT,
            user_id TEXT,
            name TEXT,
            email TEXT NOT NULL COLLATE NOCASE,
            text TEXT NOT NULL,
            received_time INTEGER NOT NULL
        );
        CREATE INDEX complaint_email ON complaint(email, received_time);
        CREATE INDEX complaint_tenant ON complaint(tenant_id);
        CREATE TABLE disclosure (
            id TEXT PRIMARY KEY,
            tenant_id TEXT,
            user_id TEXT NOT NULL,
            recipient TEXT NOT NULL,
            categories TEXT NOT NULL,
            what TEXT NOT NULL,
            legal_ground TEXT NOT NULL,
            disclosed_time INTEGER NOT NULL,
            recorded_time INTEGER NOT NULL,
            recorded_by TEXT,
            restricted_until INTEGER,
            restriction_reason TEXT
        );
        CREATE INDEX disclosure_user ON disclosure(user_id);
        CREATE INDEX disclosure_tenant ON disclosure(tenant_id);
        -- A register entry is evidence: it is never edited (an erasure may still delete it).
        CREATE TRIGGER disclosure_no_update BEFORE UPDATE ON disclosure
        BEGIN SELECT RAISE(ABORT, 'the disclosure register is never edited; record a new entry'); END;
        """
}
