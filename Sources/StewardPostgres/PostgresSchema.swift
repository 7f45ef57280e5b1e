import Foundation
import StewardCore

/// The PostgreSQL schema. SQLite grew its schema in ten migrations; PostgreSQL starts at their sum, version 1, with
/// the same tables and columns (so `steward db copy` and backups map rows one to one) and PostgreSQL's types:
/// typed value columns for readings and attributes, sealed contact details as `bytea`, flags as `boolean`, readings
/// partitioned by month (`TelemetryPartitions`).
///
/// Versions live in `steward_schema`; `migrate` applies the missing ones under an advisory lock, so two processes
/// starting together do not both migrate, and refuses a database a newer Steward wrote.
enum PostgresSchema {
    struct Migration {
        var version: Int
        var name: String
        var sql: String
    }

    static let migrations: [Migration] = [
        Migration(version: 1, name: "steward", sql: version1),
        Migration(version: 2, name: "retention", sql: version2),
        Migration(version: 3, name: "device-profiles", sql: version3),
        Migration(version: 4, name: "dashboards", sql: version4),
    ]

    /// A migration's statements one by one (the extended protocol runs one per query): split at `;`, except inside
    /// a `$$` function body.
    static func statements(_ sql: String) -> [String] {
        var statements: [String] = []
        var current = ""
        var inBody = false
        for line in sql.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.trimmingCharacters(in: .whitespaces).hasPrefix("--") { continue }
            current += line + "\n"
            if line.components(separatedBy: "$$").count % 2 == 0 { inBody.toggle() }
            if !inBody, line.trimmingCharacters(in: .whitespaces).hasSuffix(";") {
                statements.append(current.trimmingCharacters(in: .whitespacesAndNewlines))
                current = ""
            }
        }
        let rest = current.trimmingCharacters(in: .whitespacesAndNewlines)
        if !rest.isEmpty { statements.append(rest) }
        return statements
    }

    static var latestVersion: Int { migrations.map(\.version).max() ?? 0 }

    /// Lock id of the migration lock (`pg_advisory_xact_lock`), "STEWMIGR" as a number.
    static let migrationLock: Int64 = 0x5354_4557_4D49_4752

    /// Dashboards (issue 15): SQLite's `v13-dashboards` (`SQLiteSchema.dashboardSchema`).
    static let version4 = #"""
CREATE TABLE dashboard (id text PRIMARY KEY, tenant_id text NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
  title text NOT NULL, layout text NOT NULL, created_time bigint NOT NULL, UNIQUE (tenant_id, title));
CREATE TABLE dashboard_customer (dashboard_id text NOT NULL REFERENCES dashboard(id) ON DELETE CASCADE,
  customer_id text NOT NULL REFERENCES customer(id) ON DELETE CASCADE, PRIMARY KEY (dashboard_id, customer_id));
CREATE INDEX dashboard_customer_customer ON dashboard_customer(customer_id);
"""#

    /// Device profiles (issue 15): SQLite's `v12-device-profiles` (`SQLiteSchema.deviceProfileSchema`).
    static let version3 = #"""
ALTER TABLE device_profile ADD COLUMN description text;
ALTER TABLE device_profile ADD COLUMN inactivity_timeout bigint NOT NULL DEFAULT 600;
ALTER TABLE device_profile ADD COLUMN is_default boolean NOT NULL DEFAULT false;
UPDATE device_profile SET is_default = true WHERE name = 'default';
CREATE UNIQUE INDEX device_profile_default ON device_profile(tenant_id) WHERE is_default;
CREATE INDEX device_profile_devices ON device(tenant_id, profile_id);
"""#

    /// Data lifetimes (issue 14): SQLite's `v11-retention` (`SQLiteSchema.retentionSchema`, which explains each table).
    static let version2 = #"""
CREATE TABLE ts_kv_expiry (device_seq bigint NOT NULL, key_id bigint NOT NULL, ts bigint NOT NULL,
  expires_at bigint NOT NULL, PRIMARY KEY (device_seq, key_id, ts));
CREATE INDEX ts_kv_expiry_time ON ts_kv_expiry(expires_at);
CREATE TABLE ts_rollup (device_seq bigint NOT NULL, key_id bigint NOT NULL, width bigint NOT NULL, start bigint NOT NULL,
  n bigint NOT NULL, numeric_n bigint NOT NULL, double_n bigint NOT NULL, total double precision, low double precision,
  high double precision, PRIMARY KEY (device_seq, key_id, width, start));
ALTER TABLE audit_log ADD COLUMN v smallint NOT NULL DEFAULT 1;
CREATE TABLE audit_anchor (one boolean PRIMARY KEY DEFAULT true CHECK (one), seq bigint NOT NULL, hash text NOT NULL);
DROP TRIGGER consent_event_append_only ON consent_event;
CREATE TRIGGER consent_event_append_only
  BEFORE UPDATE OF seq, subject, purpose, state, policy_version, notice_hash, method, time, network ON consent_event
  FOR EACH ROW EXECUTE FUNCTION steward_refuse_update('the consent ledger is append-only');
CREATE TRIGGER consent_event_client_only_emptied BEFORE UPDATE OF client ON consent_event
  FOR EACH ROW WHEN (NEW.client <> '')
  EXECUTE FUNCTION steward_refuse_update('the consent ledger is append-only (a client description can only be emptied)');
ALTER TABLE tenant ADD COLUMN storage_ttl bigint;
ALTER TABLE device_profile ADD COLUMN storage_ttl bigint;
CREATE TABLE published_statistic (category text NOT NULL, key text NOT NULL, day bigint NOT NULL, devices bigint,
  readings bigint, total double precision, average double precision, published_time bigint NOT NULL,
  PRIMARY KEY (category, key, day));
CREATE TABLE diagnostic_event (id text PRIMARY KEY, time bigint NOT NULL, method text NOT NULL, route text NOT NULL,
  status bigint NOT NULL, duration_ms bigint NOT NULL, browser text NOT NULL, os text NOT NULL,
  app_version text NOT NULL, network text NOT NULL);
CREATE INDEX diagnostic_event_time ON diagnostic_event(time);
CREATE TABLE diagnostic_day (day bigint NOT NULL, method text NOT NULL, route text NOT NULL, status bigint NOT NULL,
  browser text NOT NULL, os text NOT NULL, app_version text NOT NULL, count bigint NOT NULL,
  duration_sum_ms bigint NOT NULL, duration_max_ms bigint NOT NULL,
  PRIMARY KEY (day, method, route, status, browser, os, app_version));
CREATE TABLE diagnostic_link (diagnostic_id text NOT NULL, user_id text NOT NULL REFERENCES "user"(id) ON DELETE CASCADE,
  time bigint NOT NULL, PRIMARY KEY (diagnostic_id, user_id));
CREATE INDEX diagnostic_link_user ON diagnostic_link(user_id);
"""#

    static let version1 = #"""
CREATE TABLE tenant (id text PRIMARY KEY, name text NOT NULL UNIQUE, created_time bigint NOT NULL);
CREATE TABLE customer (id text PRIMARY KEY, tenant_id text NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
  name text NOT NULL, created_time bigint NOT NULL, UNIQUE (tenant_id, name));
CREATE TABLE "user" (
  id text PRIMARY KEY,
  tenant_id text REFERENCES tenant(id) ON DELETE CASCADE,
  customer_id text REFERENCES customer(id) ON DELETE CASCADE,
  email bytea NOT NULL,                 -- sealed (ContactField.accountEmail)
  email_hash text UNIQUE,               -- LookupHash; uniqueness ignoring case
  authority text NOT NULL, first_name text, last_name text, password_hash text NOT NULL, created_time bigint NOT NULL,
  status text NOT NULL DEFAULT 'active', email_verified_time bigint, company text,
  phone bytea, picture bytea, picture_type text, jurisdiction text, age_basis text, parent_email bytea,
  second_factor text, totp_secret text, totp_last_step bigint, locked_until bigint, origin text);
CREATE INDEX user_tenant ON "user"(tenant_id);
CREATE TABLE device_profile (id text PRIMARY KEY, tenant_id text NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
  name text NOT NULL, provision_key text UNIQUE, provision_secret text, provision_strategy text,
  created_time bigint NOT NULL, UNIQUE (tenant_id, name));
CREATE TABLE device (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id text NOT NULL UNIQUE,
  tenant_id text NOT NULL REFERENCES tenant(id) ON DELETE CASCADE,
  customer_id text REFERENCES customer(id) ON DELETE SET NULL,
  profile_id text REFERENCES device_profile(id) ON DELETE SET NULL,
  person_id text REFERENCES "user"(id) ON DELETE SET NULL,
  name text NOT NULL, type text NOT NULL, label text, is_gateway boolean NOT NULL DEFAULT false,
  access_token text NOT NULL CONSTRAINT device_access_token_key UNIQUE,
  created_time bigint NOT NULL, UNIQUE (tenant_id, name));
CREATE INDEX device_customer ON device(tenant_id, customer_id);
CREATE INDEX device_person ON device(person_id);
CREATE TABLE claim_offer (device_seq bigint PRIMARY KEY REFERENCES device(seq) ON DELETE CASCADE,
  secret_key text NOT NULL, expires_at bigint NOT NULL);
CREATE TABLE ts_key (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, key text NOT NULL UNIQUE);

-- Typed value columns: exactly one is set, chosen by t (1 bool, 2 long, 3 double, 4 string, 5 json; +100 sealed).
CREATE TABLE ts_kv (
  device_seq bigint NOT NULL, key_id bigint NOT NULL, ts bigint NOT NULL, t smallint NOT NULL,
  v_long bigint, v_double double precision, v_text text, v_sealed bytea,
  CONSTRAINT ts_kv_one_value CHECK (
    (t IN (1,2) AND v_long IS NOT NULL AND v_double IS NULL AND v_text IS NULL AND v_sealed IS NULL) OR
    (t = 3 AND v_double IS NOT NULL AND v_long IS NULL AND v_text IS NULL AND v_sealed IS NULL) OR
    (t IN (4,5) AND v_text IS NOT NULL AND v_long IS NULL AND v_double IS NULL AND v_sealed IS NULL) OR
    (t >= 100 AND v_sealed IS NOT NULL AND v_long IS NULL AND v_double IS NULL AND v_text IS NULL)),
  PRIMARY KEY (device_seq, key_id, ts)
) PARTITION BY RANGE (ts);
CREATE TABLE ts_kv_latest (device_seq bigint NOT NULL, key_id bigint NOT NULL, ts bigint NOT NULL, t smallint NOT NULL,
  v_long bigint, v_double double precision, v_text text, v_sealed bytea, PRIMARY KEY (device_seq, key_id));
CREATE TABLE attribute_kv (device_seq bigint NOT NULL, scope smallint NOT NULL, key text NOT NULL,
  last_update_ts bigint NOT NULL, t smallint NOT NULL,
  v_long bigint, v_double double precision, v_text text, v_sealed bytea, PRIMARY KEY (device_seq, scope, key));

CREATE TABLE consent_event (seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, subject text NOT NULL,
  purpose text NOT NULL, state text NOT NULL, policy_version text NOT NULL, notice_hash text NOT NULL,
  method text NOT NULL, time bigint NOT NULL, client text NOT NULL, network text NOT NULL);
CREATE INDEX consent_event_subject ON consent_event(subject, purpose, seq);
CREATE FUNCTION steward_refuse_update() RETURNS trigger LANGUAGE plpgsql AS
  $$ BEGIN RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'P0001'; END $$;
CREATE TRIGGER consent_event_append_only BEFORE UPDATE ON consent_event
  FOR EACH ROW EXECUTE FUNCTION steward_refuse_update('the consent ledger is append-only');
CREATE TABLE policy_version (seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, version text NOT NULL UNIQUE,
  effective_date text NOT NULL, material boolean NOT NULL, narrows_rights boolean NOT NULL, summary text NOT NULL,
  rights text NOT NULL, processors text NOT NULL, loaded_time bigint NOT NULL);
CREATE TABLE announcement (seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, time bigint NOT NULL,
  subject text NOT NULL, sent bigint NOT NULL, skipped bigint NOT NULL);
CREATE TABLE one_time_token (hash text PRIMARY KEY, user_id text NOT NULL REFERENCES "user"(id) ON DELETE CASCADE,
  purpose text NOT NULL, created_time bigint NOT NULL, expires_time bigint NOT NULL, used_time bigint,
  attempts bigint NOT NULL DEFAULT 0);
CREATE INDEX one_time_token_user ON one_time_token(user_id, purpose);
CREATE TABLE session (row_seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,   -- paging key (SQLite pages by rowid)
  id text PRIMARY KEY, secret_hash text UNIQUE, user_id text NOT NULL REFERENCES "user"(id) ON DELETE CASCADE,
  kind text NOT NULL, stage text NOT NULL, csrf_secret text NOT NULL, created_time bigint NOT NULL,
  last_seen_time bigint NOT NULL, expires_time bigint NOT NULL, ip text NOT NULL, client text NOT NULL,
  revoked_time bigint, refresh_hash text);
CREATE INDEX session_of_user ON session(user_id);
CREATE TABLE api_key (row_seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  id text PRIMARY KEY, prefix text NOT NULL UNIQUE, secret_hash text NOT NULL,
  user_id text NOT NULL REFERENCES "user"(id) ON DELETE CASCADE, tenant_id text REFERENCES tenant(id) ON DELETE CASCADE,
  name text NOT NULL, role text NOT NULL, created_time bigint NOT NULL, last_used_time bigint, last_used_ip text,
  revoked_time bigint);
CREATE INDEX api_key_user ON api_key(user_id);
CREATE TABLE recovery_code (user_id text NOT NULL REFERENCES "user"(id) ON DELETE CASCADE, code_hash text NOT NULL,
  used_time bigint, PRIMARY KEY (user_id, code_hash));
CREATE TABLE sign_in (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, time bigint NOT NULL,
  email bytea NOT NULL, email_hash text, user_id text REFERENCES "user"(id) ON DELETE CASCADE, ip text NOT NULL,
  client text NOT NULL, outcome text NOT NULL, new_place boolean NOT NULL DEFAULT false,
  client_key text NOT NULL DEFAULT '');
CREATE INDEX sign_in_user ON sign_in(user_id, time);
CREATE INDEX sign_in_email_hash ON sign_in(email_hash, time);
CREATE INDEX sign_in_ip ON sign_in(ip, time);
CREATE INDEX sign_in_client_key ON sign_in(client_key, time);
CREATE TABLE policy_agreement (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id text NOT NULL REFERENCES "user"(id) ON DELETE CASCADE, policy_version text NOT NULL, time bigint NOT NULL,
  method text NOT NULL, ip text NOT NULL, client text NOT NULL);
CREATE INDEX policy_agreement_user ON policy_agreement(user_id);
CREATE TABLE mail_outbox (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  recipient bytea NOT NULL, recipient_hash text, subject text NOT NULL,
  text_body bytea NOT NULL,             -- sealed; '' after sending: store an empty bytea
  html_body bytea, headers text NOT NULL, created_time bigint NOT NULL, attempts bigint NOT NULL DEFAULT 0,
  next_attempt_time bigint NOT NULL, sent_time bigint, last_error text);
CREATE INDEX mail_outbox_due ON mail_outbox(next_attempt_time) WHERE sent_time IS NULL;
CREATE INDEX mail_outbox_recipient_hash ON mail_outbox(recipient_hash);
CREATE TABLE audit_log (seq bigint PRIMARY KEY,           -- assigned from audit_head, not a sequence (see §5)
  time bigint NOT NULL, tenant_id text, actor_id text, credential text, subject_id text, event text NOT NULL,
  detail text NOT NULL, ip text, prev_hash text NOT NULL, hash text NOT NULL);
CREATE INDEX audit_log_tenant ON audit_log(tenant_id, seq);
CREATE INDEX audit_log_subject ON audit_log(subject_id, seq);
CREATE INDEX audit_log_actor ON audit_log(actor_id, seq);
CREATE TABLE audit_head (one boolean PRIMARY KEY DEFAULT true CHECK (one), seq bigint NOT NULL, hash text NOT NULL);
INSERT INTO audit_head VALUES (true, 0, repeat('0', 64));
CREATE TABLE dsr_request (id text PRIMARY KEY, tenant_id text, user_id text, email bytea NOT NULL, email_hash text,
  name text, kind text NOT NULL, details text NOT NULL DEFAULT '', jurisdiction text NOT NULL, status text NOT NULL,
  source text NOT NULL, verification_hash text UNIQUE, verification_expires bigint, received_time bigint NOT NULL,
  verified_time bigint, acknowledge_by bigint, acknowledged_time bigint, due_time bigint, extended_due_time bigint,
  extension_reason text, extension_notified_time bigint, closed_time bigint, closed_by text, outcome text);
CREATE INDEX dsr_request_tenant ON dsr_request(tenant_id, status);
CREATE INDEX dsr_request_email_hash ON dsr_request(email_hash);
CREATE INDEX dsr_request_user ON dsr_request(user_id);
CREATE TABLE complaint (id text PRIMARY KEY, tenant_id text, user_id text, name text, email bytea NOT NULL,
  email_hash text, text text NOT NULL, received_time bigint NOT NULL);
CREATE INDEX complaint_email_hash ON complaint(email_hash, received_time);
CREATE INDEX complaint_tenant ON complaint(tenant_id);
CREATE TABLE disclosure (id text PRIMARY KEY, tenant_id text, user_id text NOT NULL, recipient text NOT NULL,
  categories text NOT NULL, what text NOT NULL, legal_ground text NOT NULL, disclosed_time bigint NOT NULL,
  recorded_time bigint NOT NULL, recorded_by text, restricted_until bigint, restriction_reason text);
CREATE INDEX disclosure_user ON disclosure(user_id);
CREATE INDEX disclosure_tenant ON disclosure(tenant_id);
CREATE TRIGGER disclosure_no_update BEFORE UPDATE ON disclosure
  FOR EACH ROW EXECUTE FUNCTION steward_refuse_update('the disclosure register is never edited; record a new entry');
CREATE TABLE erasure_receipt (id text PRIMARY KEY, time bigint NOT NULL, body text NOT NULL);
CREATE TABLE statistic (tenant_id text NOT NULL, category text NOT NULL, key text NOT NULL, day bigint NOT NULL,
  count bigint NOT NULL, sum double precision NOT NULL, min double precision NOT NULL, max double precision NOT NULL,
  PRIMARY KEY (tenant_id, category, key, day));
CREATE TABLE sealing_state (name text PRIMARY KEY, value bigint NOT NULL);
CREATE TABLE mail_request (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, time bigint NOT NULL, kind text NOT NULL,
  recipient_hash text, client text NOT NULL);
CREATE INDEX mail_request_recipient ON mail_request(recipient_hash, time);
CREATE INDEX mail_request_client ON mail_request(client, time);
CREATE INDEX mail_request_time ON mail_request(time);
CREATE TABLE address_lock (email_hash text PRIMARY KEY, until bigint NOT NULL);
CREATE TABLE device_change (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, device_id text NOT NULL,
  kind text NOT NULL, time bigint NOT NULL);
CREATE INDEX device_change_time ON device_change(time);
CREATE TABLE client_attempt (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, time bigint NOT NULL,
  kind text NOT NULL, client text NOT NULL);
CREATE INDEX client_attempt_client ON client_attempt(kind, client, time);
CREATE INDEX client_attempt_time ON client_attempt(kind, time);
"""#
}
