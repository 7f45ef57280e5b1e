import GRDB

/// The schema, as an ordered list of migrations. Never edit a shipped migration; add a new one.
enum SQLiteSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-data-plane") { db in
            try db.execute(
                sql: """
                    CREATE TABLE tenant (
                        id TEXT PRIMARY KEY,
                        name TEXT NOT NULL UNIQUE,
                        created_time INTEGER NOT NULL
                    );
                    CREATE TABLE customer (
                        id TEXT PRIMARY KEY,
                        tenant_id TEXT NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
                        name TEXT NOT NULL,
                        created_time INTEGER NOT NULL,
                        UNIQUE (tenant_id, name)
                    );
                    CREATE TABLE user (
                        id TEXT PRIMARY KEY,
                        tenant_id TEXT REFERENCES tenant(id) ON DELETE CASCADE,
                        customer_id TEXT REFERENCES customer(id) ON DELETE CASCADE,
                        email TEXT NOT NULL UNIQUE COLLATE NOCASE,
                        authority TEXT NOT NULL,
                        first_name TEXT,
                        last_name TEXT,
                        password_hash TEXT NOT NULL,
                        created_time INTEGER NOT NULL
                    );
                    CREATE INDEX user_tenant ON user(tenant_id);
                    CREATE TABLE device_profile (
                        id TEXT PRIMARY KEY,
                        tenant_id TEXT NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
                        name TEXT NOT NULL,
                        provision_key TEXT UNIQUE,
                        provision_secret TEXT,
                        provision_strategy TEXT,
                        created_time INTEGER NOT NULL,
                        UNIQUE (tenant_id, name)
                    );
                    CREATE TABLE device (
                        -- AUTOINCREMENT: a deleted device's key is never reused, so no stray row can ever attach to a new device.
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        id TEXT NOT NULL UNIQUE,
                        tenant_id TEXT NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
                        customer_id TEXT REFERENCES customer(id) ON DELETE SET NULL,
                        profile_id TEXT REFERENCES device_profile(id) ON DELETE SET NULL,
                        name TEXT NOT NULL,
                        type TEXT NOT NULL,
                        label TEXT,
                        is_gateway INTEGER NOT NULL DEFAULT 0,
                        access_token TEXT NOT NULL UNIQUE,
                        created_time INTEGER NOT NULL,
                        UNIQUE (tenant_id, name)
                    );
                    CREATE INDEX device_customer ON device(tenant_id, customer_id);
                    CREATE TABLE claim_offer (
                        device_seq INTEGER PRIMARY KEY REFERENCES device(seq) ON DELETE CASCADE,
                        secret_key TEXT NOT NULL,
                        expires_at INTEGER NOT NULL
                    );
                    CREATE TABLE ts_key (
                        id INTEGER PRIMARY KEY,
                        key TEXT NOT NULL UNIQUE
                    );
                    -- History, clustered by device, key and time so a range query is one index walk.
                    -- t is the value type (1 bool, 2 long, 3 double, 4 string, 5 json); v has BLOB affinity so SQLite never converts it.
                    CREATE TABLE ts_kv (
                        device_seq INTEGER NOT NULL,
                        key_id INTEGER NOT NULL,
                        ts INTEGER NOT NULL,
                        t INTEGER NOT NULL,
                        v BLOB,
                        PRIMARY KEY (device_seq, key_id, ts)
                    ) WITHOUT ROWID;
                    -- The newest value per device and key, so "latest" never scans history.
                    CREATE TABLE ts_kv_latest (
                        device_seq INTEGER NOT NULL,
                        key_id INTEGER NOT NULL,
                        ts INTEGER NOT NULL,
                        t INTEGER NOT NULL,
                        v BLOB,
                        PRIMARY KEY (device_seq, key_id)
                    ) WITHOUT ROWID;
                    CREATE TABLE attribute_kv (
                        device_seq INTEGER NOT NULL,
                        scope INTEGER NOT NULL,
                        key TEXT NOT NULL,
                        last_update_ts INTEGER NOT NULL,
                        t INTEGER NOT NULL,
                        v BLOB,
                        PRIMARY KEY (device_seq, scope, key)
                    ) WITHOUT ROWID;
                    """)
        }
        migrator.registerMigration("v2-accounts") { db in
            try db.execute(sql: accountsSchema)
        }
        migrator.registerMigration("v3-consent-ledger") { db in
            try db.execute(
                sql: """
                    -- Append-only: an entry is never changed; the current state is the newest entry per purpose.
                    CREATE TABLE consent_event (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        subject TEXT NOT NULL,
                        purpose TEXT NOT NULL,
                        state TEXT NOT NULL,
                        policy_version TEXT NOT NULL,
                        notice_hash TEXT NOT NULL,
                        method TEXT NOT NULL,
                        time INTEGER NOT NULL,
                        client TEXT NOT NULL,
                        network TEXT NOT NULL
                    );
                    CREATE INDEX consent_event_subject ON consent_event(subject, purpose, seq);
                    CREATE TRIGGER consent_event_append_only BEFORE UPDATE ON consent_event
                    BEGIN SELECT RAISE(ABORT, 'the consent ledger is append-only'); END;
                    """)
        }
        migrator.registerMigration("v4-policy-versions") { db in
            try db.execute(
                sql: """
                    -- One row per declaration version, written when this Steward first runs with it.
                    CREATE TABLE policy_version (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        version TEXT NOT NULL UNIQUE,
                        effective_date TEXT NOT NULL,
                        material INTEGER NOT NULL,
                        narrows_rights INTEGER NOT NULL,
                        summary TEXT NOT NULL,
                        rights TEXT NOT NULL,
                        processors TEXT NOT NULL,
                        loaded_time INTEGER NOT NULL
                    );
                    CREATE TABLE announcement (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        time INTEGER NOT NULL,
                        subject TEXT NOT NULL,
                        sent INTEGER NOT NULL,
                        skipped INTEGER NOT NULL
                    );
                    """)
        }
        migrator.registerMigration("v5-requests") { db in
            try db.execute(sql: requestsSchema)
        }
        migrator.registerMigration("v6-rights") { db in
            try db.execute(sql: rightsSchema)
        }
        migrator.registerMigration("v7-sealed-contacts") { db in
            try db.execute(sql: sealedContactsSchema)
        }
        migrator.registerMigration("v8-account-abuse-limits") { db in
            try db.execute(
                sql: """
                    -- The one refresh token of an API session that may still be used (SHA-256 of its jti).
                    ALTER TABLE session ADD COLUMN refresh_hash TEXT;
                    -- Reset and "someone tried to sign up" mails asked for from the public forms, counted per address
                    -- (keyed hash) and per client; rows older than the counting window are deleted as new ones arrive.
                    CREATE TABLE mail_request (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        time INTEGER NOT NULL,
                        kind TEXT NOT NULL,
                        recipient_hash TEXT NOT NULL,
                        client TEXT NOT NULL
                    );
                    CREATE INDEX mail_request_recipient ON mail_request(recipient_hash, time);
                    CREATE INDEX mail_request_client ON mail_request(client, time);
                    CREATE INDEX mail_request_time ON mail_request(time);
                    -- Sign-in locks of addresses that have no account (an account's own lock is user.locked_until).
                    CREATE TABLE address_lock (
                        email_hash TEXT PRIMARY KEY,
                        until INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    """)
        }
        migrator.registerMigration("v9-device-change") { db in
            try db.execute(
                sql: """
                    -- Device changes another process must follow (closing sessions, dropping cached tokens), written in
                    -- the transaction that makes them; readers resume after the last id they saw, old rows are pruned.
                    CREATE TABLE device_change (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        device_id TEXT NOT NULL,
                        kind TEXT NOT NULL,
                        time INTEGER NOT NULL
                    );
                    CREATE INDEX device_change_time ON device_change(time);
                    """)
        }
        migrator.registerMigration("v10-client-limits") { db in
            try db.execute(
                sql: """
                    -- Failed sign-ins are counted per client: the IPv4 address or the IPv6 /64, so a client cannot get
                    -- more guesses by changing the low bits of its address. Older rows count by their address.
                    ALTER TABLE sign_in ADD COLUMN client_key TEXT NOT NULL DEFAULT '';
                    UPDATE sign_in SET client_key = ip;
                    CREATE INDEX sign_in_client_key ON sign_in(client_key, time);
                    -- Anonymous requests that cost real work (sign-ups), counted per client before the work is done;
                    -- rows older than the counting window are deleted as new ones arrive.
                    CREATE TABLE client_attempt (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        time INTEGER NOT NULL,
                        kind TEXT NOT NULL,
                        client TEXT NOT NULL
                    );
                    CREATE INDEX client_attempt_client ON client_attempt(kind, client, time);
                    CREATE INDEX client_attempt_time ON client_attempt(kind, time);
                    -- A new account's confirmation mail counts for the client only: recorded without an address.
                    ALTER TABLE mail_request RENAME TO mail_request_v8;
                    CREATE TABLE mail_request (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        time INTEGER NOT NULL,
                        kind TEXT NOT NULL,
                        recipient_hash TEXT,
                        client TEXT NOT NULL
                    );
                    INSERT INTO mail_request(id, time, kind, recipient_hash, client)
                        SELECT id, time, kind, recipient_hash, client FROM mail_request_v8;
                    DROP TABLE mail_request_v8;
                    CREATE INDEX mail_request_recipient ON mail_request(recipient_hash, time);
                    CREATE INDEX mail_request_client ON mail_request(client, time);
                    CREATE INDEX mail_request_time ON mail_request(time);
                    """)
        }
        migrator.registerMigration("v11-retention") { db in
            try db.execute(sql: SQLiteSchema.retentionSchema)
        }
        migrator.registerMigration("v12-device-profiles") { db in
            try db.execute(sql: SQLiteSchema.deviceProfileSchema)
        }
        migrator.registerMigration("v13-dashboards") { db in
            try db.execute(sql: SQLiteSchema.dashboardSchema)
        }
        return migrator
    }
}
