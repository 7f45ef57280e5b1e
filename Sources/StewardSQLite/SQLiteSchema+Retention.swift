extension SQLiteSchema {
    /// Data lifetimes (issue 14): per-reading expiry from ThingsBoard's TTL, storage TTLs per tenant and device profile,
    /// the public statistics released day by day (promise HA-7) and the diagnostics kept apart from identity (MS-4).
    static let retentionSchema = """
        -- Readings written with a time to live (the REST `{ttl}` segment): when each goes, counted from its own time.
        CREATE TABLE ts_kv_expiry (
            device_seq INTEGER NOT NULL,
            key_id INTEGER NOT NULL,
            ts INTEGER NOT NULL,
            expires_at INTEGER NOT NULL,
            PRIMARY KEY (device_seq, key_id, ts)
        ) WITHOUT ROWID;
        CREATE INDEX ts_kv_expiry_time ON ts_kv_expiry(expires_at);
        -- Hourly (width 3600000) and daily (86400000) totals per device and key of readings an `aggregate` rule
        -- deleted, each counted once: written in the transaction that deletes the readings. total/low/high cover
        -- numeric readings (numeric_n of them, double_n doubles); n counts every reading.
        CREATE TABLE ts_rollup (
            device_seq INTEGER NOT NULL,
            key_id INTEGER NOT NULL,
            width INTEGER NOT NULL,
            start INTEGER NOT NULL,
            n INTEGER NOT NULL,
            numeric_n INTEGER NOT NULL,
            double_n INTEGER NOT NULL,
            total REAL,
            low REAL,
            high REAL,
            PRIMARY KEY (device_seq, key_id, width, start)
        ) WITHOUT ROWID;
        -- Audit entries from now on hash the network of their address (digest version 2) instead of the address, so
        -- the address can be cut to its network when its period ends without breaking the chain; older entries keep
        -- version 1 and their full address until they are pruned.
        ALTER TABLE audit_log ADD COLUMN v INTEGER NOT NULL DEFAULT 1;
        -- Where the trail starts once retention pruned its oldest entries: the last pruned entry's sequence and hash,
        -- vouched for by the `audit.pruned` entry the prune appended.
        CREATE TABLE audit_anchor (
            one INTEGER PRIMARY KEY CHECK (one = 1),
            seq INTEGER NOT NULL,
            hash TEXT NOT NULL
        );
        -- The consent ledger stays append-only, except that the browser description of an entry is emptied when its
        -- period (user.device.client) ends.
        DROP TRIGGER consent_event_append_only;
        CREATE TRIGGER consent_event_append_only
            BEFORE UPDATE OF seq, subject, purpose, state, policy_version, notice_hash, method, time, network ON consent_event
            BEGIN SELECT RAISE(ABORT, 'the consent ledger is append-only'); END;
        CREATE TRIGGER consent_event_client_only_emptied BEFORE UPDATE OF client ON consent_event WHEN NEW.client <> ''
            BEGIN SELECT RAISE(ABORT, 'the consent ledger is append-only (a client description can only be emptied)'); END;
        -- How long readings are kept, in seconds, for every device of a tenant or a profile (NULL: as declared).
        ALTER TABLE tenant ADD COLUMN storage_ttl INTEGER;
        ALTER TABLE device_profile ADD COLUMN storage_ttl INTEGER;
        -- A frozen daily release of public statistics: one row per (category, key, day), never updated. A group
        -- smaller than the declared minimum is kept with NULL figures, so it can never appear later.
        CREATE TABLE published_statistic (
            category TEXT NOT NULL,
            key TEXT NOT NULL,
            day INTEGER NOT NULL,
            devices INTEGER,
            readings INTEGER,
            total REAL,
            average REAL,
            published_time INTEGER NOT NULL,
            PRIMARY KEY (category, key, day)
        );
        -- Request and error records without any user, device, session or token; the address is a network.
        CREATE TABLE diagnostic_event (
            id TEXT PRIMARY KEY,
            time INTEGER NOT NULL,
            method TEXT NOT NULL,
            route TEXT NOT NULL,
            status INTEGER NOT NULL,
            duration_ms INTEGER NOT NULL,
            browser TEXT NOT NULL,
            os TEXT NOT NULL,
            app_version TEXT NOT NULL,
            network TEXT NOT NULL
        );
        CREATE INDEX diagnostic_event_time ON diagnostic_event(time);
        -- Diagnostics folded into daily counts once their raw period ends.
        CREATE TABLE diagnostic_day (
            day INTEGER NOT NULL,
            method TEXT NOT NULL,
            route TEXT NOT NULL,
            status INTEGER NOT NULL,
            browser TEXT NOT NULL,
            os TEXT NOT NULL,
            app_version TEXT NOT NULL,
            count INTEGER NOT NULL,
            duration_sum_ms INTEGER NOT NULL,
            duration_max_ms INTEGER NOT NULL,
            PRIMARY KEY (day, method, route, status, browser, os, app_version)
        );
        -- A diagnostic record a person's request or complaint quoted: from then on it is that person's data.
        CREATE TABLE diagnostic_link (
            diagnostic_id TEXT NOT NULL,
            user_id TEXT NOT NULL REFERENCES user(id) ON DELETE CASCADE,
            time INTEGER NOT NULL,
            PRIMARY KEY (diagnostic_id, user_id)
        );
        CREATE INDEX diagnostic_link_user ON diagnostic_link(user_id);
        """
}
