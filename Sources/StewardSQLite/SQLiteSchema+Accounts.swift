extension SQLiteSchema {
    /// Sign-up, sessions, second factors, application keys, sign-in history, policy agreements, the mail outbox and
    /// the audit trail.
    static let accountsSchema = """
        ALTER TABLE user ADD COLUMN status TEXT NOT NULL DEFAULT 'active';
        ALTER TABLE user ADD COLUMN email_verified_time INTEGER;
        ALTER TABLE user ADD COLUMN company TEXT;
        ALTER TABLE user ADD COLUMN phone TEXT;
        ALTER TABLE user ADD COLUMN picture BLOB;
        ALTER TABLE user ADD COLUMN picture_type TEXT;
        ALTER TABLE user ADD COLUMN jurisdiction TEXT;
        ALTER TABLE user ADD COLUMN age_basis TEXT;
        ALTER TABLE user ADD COLUMN parent_email TEXT;
        ALTER TABLE user ADD COLUMN second_factor TEXT;
        ALTER TABLE user ADD COLUMN totp_secret TEXT;
        ALTER TABLE user ADD COLUMN totp_last_step INTEGER;
        ALTER TABLE user ADD COLUMN locked_until INTEGER;
        -- Single-use links and codes; only the SHA-256 of the secret is stored.
        CREATE TABLE one_time_token (
            hash TEXT PRIMARY KEY,
            user_id TEXT NOT NULL REFERENCES user(id) ON DELETE CASCADE,
            purpose TEXT NOT NULL,
            created_time INTEGER NOT NULL,
            expires_time INTEGER NOT NULL,
            used_time INTEGER,
            attempts INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX one_time_token_user ON one_time_token(user_id, purpose);
        CREATE TABLE session (
            id TEXT PRIMARY KEY,
            secret_hash TEXT UNIQUE,
            user_id TEXT NOT NULL REFERENCES user(id) ON DELETE CASCADE,
            kind TEXT NOT NULL,
            stage TEXT NOT NULL,
            csrf_secret TEXT NOT NULL,
            created_time INTEGER NOT NULL,
            last_seen_time INTEGER NOT NULL,
            expires_time INTEGER NOT NULL,
            ip TEXT NOT NULL,
            client TEXT NOT NULL,
            revoked_time INTEGER
        );
        CREATE INDEX session_user ON session(user_id);
        CREATE TABLE api_key (
            id TEXT PRIMARY KEY,
            prefix TEXT NOT NULL UNIQUE,
            secret_hash TEXT NOT NULL,
            user_id TEXT NOT NULL REFERENCES user(id) ON DELETE CASCADE,
            tenant_id TEXT REFERENCES tenant(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            role TEXT NOT NULL,
            created_time INTEGER NOT NULL,
            last_used_time INTEGER,
            last_used_ip TEXT,
            revoked_time INTEGER
        );
        CREATE INDEX api_key_user ON api_key(user_id);
        CREATE TABLE recovery_code (
            user_id TEXT NOT NULL REFERENCES user(id) ON DELETE CASCADE,
            code_hash TEXT NOT NULL,
            used_time INTEGER,
            PRIMARY KEY (user_id, code_hash)
        );
        CREATE TABLE sign_in (
            id INTEGER PRIMARY KEY,
            time INTEGER NOT NULL,
            email TEXT NOT NULL COLLATE NOCASE,
            user_id TEXT REFERENCES user(id) ON DELETE CASCADE,
            ip TEXT NOT NULL,
            client TEXT NOT NULL,
            outcome TEXT NOT NULL,
            new_place INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX sign_in_user ON sign_in(user_id, time);
        CREATE INDEX sign_in_email ON sign_in(email, time);
        CREATE INDEX sign_in_ip ON sign_in(ip, time);
        CREATE TABLE policy_agreement (
            id INTEGER PRIMARY KEY,
            user_id TEXT NOT NULL REFERENCES user(id) ON DELETE CASCADE,
            policy_version TEXT NOT NULL,
            time INTEGER NOT NULL,
            method TEXT NOT NULL,
            ip TEXT NOT NULL,
            client TEXT NOT NULL
        );
        CREATE INDEX policy_agreement_user ON policy_agreement(user_id);
        -- Written in the same transaction as the change that causes the mail; the sender delivers and retries.
        CREATE TABLE mail_outbox (
            id INTEGER PRIMARY KEY,
            recipient TEXT NOT NULL,
            subject TEXT NOT NULL,
            text_body TEXT NOT NULL,
            html_body TEXT,
            headers TEXT NOT NULL,
            created_time INTEGER NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_time INTEGER NOT NULL,
            sent_time INTEGER,
            last_error TEXT
        );
        CREATE INDEX mail_outbox_due ON mail_outbox(next_attempt_time) WHERE sent_time IS NULL;
        -- Append-only and hash-chained; no foreign keys, so deleting a tenant or user never removes history.
        CREATE TABLE audit_log (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            time INTEGER NOT NULL,
            tenant_id TEXT,
            actor_id TEXT,
            credential TEXT,
            subject_id TEXT,
            event TEXT NOT NULL,
            detail TEXT NOT NULL,
            ip TEXT,
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL
        );
        CREATE INDEX audit_log_tenant ON audit_log(tenant_id, seq);
        CREATE INDEX audit_log_subject ON audit_log(subject_id, seq);
        """
}
