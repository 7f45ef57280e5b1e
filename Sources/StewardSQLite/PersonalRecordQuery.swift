import GRDB
import StewardStore

/// Where each kind of record about a person is stored: read page by page (by `key`, a rowid) so a person with
/// millions of audit or usage entries is exported in flat memory, like their readings.
struct PersonalRecordQuery: Sendable {
    var kind: PersonalRecordKind
    var select: String
    /// `table WHERE …` with the person's parameters.
    var from: String
    /// The paging key.
    var key: String
    /// The person's parameters from their id and the lookup hash of their address.
    var arguments: @Sendable (_ id: String, _ emailHash: String) -> StatementArguments
    /// Sealed columns of the select list, by the name they are selected under; opened before they are shown.
    var sealed: [String: SealedColumn] = [:]

    static let all: [PersonalRecordQuery] = [
        PersonalRecordQuery(
            kind: .profile,
            select: """
                u.id AS account_id, u.email, u.first_name, u.last_name, u.company,
                u.phone, u.authority,
                (SELECT t.name FROM tenant t WHERE t.id = u.tenant_id) AS tenant, u.jurisdiction AS country, u.age_basis,
                u.parent_email, u.status, u.created_time, u.email_verified_time, u.second_factor,
                u.picture IS NOT NULL AS has_picture, COALESCE(u.origin, 'unknown') AS source
                """,
            from: "user u WHERE u.id = ?", key: "u.rowid", arguments: { id, _ in [id] },
            sealed: ["email": SQLiteStore.userEmail, "phone": SQLiteStore.userPhone, "parent_email": SQLiteStore.userParentEmail]),
        PersonalRecordQuery(
            kind: .consents, select: "time, purpose, state, method, policy_version, notice_hash, client, network",
            from: "consent_event WHERE subject = ?", key: "seq", arguments: { id, _ in ["user:\(id)"] }),
        PersonalRecordQuery(
            kind: .policyAgreements, select: "time, policy_version, method, ip, client", from: "policy_agreement WHERE user_id = ?",
            key: "id", arguments: { id, _ in [id] }),
        PersonalRecordQuery(
            kind: .signIns, select: "time, email, outcome, new_place, ip, client",
            from: "sign_in WHERE (user_id = ? OR email_hash = ?)",
            key: "id", arguments: { id, emailHash in [id, emailHash] }, sealed: ["email": SQLiteStore.signInEmail]),
        PersonalRecordQuery(
            kind: .sessions, select: "id, kind, stage, created_time, last_seen_time, expires_time, revoked_time, ip, client",
            from: "session WHERE user_id = ?", key: "rowid", arguments: { id, _ in [id] }),
        PersonalRecordQuery(
            kind: .apiKeys, select: "id, prefix, name, role, created_time, last_used_time, last_used_ip, revoked_time",
            from: "api_key WHERE user_id = ?", key: "rowid", arguments: { id, _ in [id] }),
        PersonalRecordQuery(
            kind: .audit,
            select: "seq, time, event, detail, credential, ip, actor_id = ?3 AS by_you, subject_id = ?3 AS about_you",
            from: "audit_log WHERE (subject_id = ?3 OR actor_id = ?3) AND event <> 'api.write'", key: "seq",
            arguments: { id, _ in [id, id, id] }),
        PersonalRecordQuery(
            kind: .usage, select: "time, credential, detail, ip", from: "audit_log WHERE actor_id = ? AND event = 'api.write'",
            key: "seq", arguments: { id, _ in [id] }),
        PersonalRecordQuery(
            kind: .mail, select: "created_time, subject, sent_time, attempts, last_error",
            from: "mail_outbox WHERE recipient_hash = ?", key: "id", arguments: { _, emailHash in [emailHash] }),
        PersonalRecordQuery(
            kind: .diagnostics,
            select: """
                e.id AS reference, e.time, e.method, e.route, e.status, e.duration_ms, e.browser, e.os, e.app_version, e.network,
                l.time AS linked_time
                """,
            from: "diagnostic_event e JOIN diagnostic_link l ON l.diagnostic_id = e.id WHERE l.user_id = ?", key: "e.rowid",
            arguments: { id, _ in [id] }),
    ]

    /// The query of a kind; every kind has one (checked by the contract, which pages through each).
    static func of(_ kind: PersonalRecordKind) -> PersonalRecordQuery {
        all.first { $0.kind == kind }!
    }
}
