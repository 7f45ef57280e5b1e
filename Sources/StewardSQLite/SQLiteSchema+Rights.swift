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

extension SQLiteSchema {
    /// Contact details are stored sealed (promise MS-6); rows are found, and addresses kept unique, by keyed hashes.
    /// `SQLiteStore.sealPlainContacts` seals what an older database holds in the clear and fills these.
    static let sealedContactsSchema = """
        ALTER TABLE user ADD COLUMN email_hash TEXT;
        CREATE UNIQUE INDEX user_email_hash ON user(email_hash);
        ALTER TABLE sign_in ADD COLUMN email_hash TEXT;
        DROP INDEX sign_in_email;
        CREATE INDEX sign_in_email_hash ON sign_in(email_hash, time);
        ALTER TABLE mail_outbox ADD COLUMN recipient_hash TEXT;
        CREATE INDEX mail_outbox_recipient_hash ON mail_outbox(recipient_hash);
        ALTER TABLE dsr_request ADD COLUMN email_hash TEXT;
        DROP INDEX dsr_request_email;
        CREATE INDEX dsr_request_email_hash ON dsr_request(email_hash);
        ALTER TABLE complaint ADD COLUMN email_hash TEXT;
        DROP INDEX complaint_email;
        CREATE INDEX complaint_email_hash ON complaint(email_hash, received_time);
        -- 'contacts' = 1 once every contact detail is sealed under the master key (see ContactSealer.needsSealing).
        CREATE TABLE sealing_state (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
        -- Stored texts that quoted an address in the clear no longer do.
        UPDATE policy_agreement SET method = 'parent-email' WHERE method LIKE 'parent-email:%';
        UPDATE dsr_request SET outcome = replace(outcome, email, 'you') WHERE outcome IS NOT NULL AND typeof(email) = 'text';
        UPDATE mail_outbox SET last_error = replace(last_error, recipient, '<recipient>')
            WHERE last_error IS NOT NULL AND typeof(recipient) = 'text';
        """
}
