import Foundation
import StewardCore
import StewardStore
import StewardVault

// The one place each identity change becomes SQL, as `SQLiteStore+Identity.swift` does for SQLite: the same
// statements in PostgreSQL's dialect ("user" quoted, booleans, sealed contact columns as bytea, `RETURNING`-free
// affected-row counts from the command tag).
extension PostgresStore {
    /// Applies one change inside the caller's transaction (`apply(_:)` runs a list of them in one; the erasure applies
    /// its plan's changes in its own). A change that finds nothing to change where it must throws, rolling back the
    /// whole transaction.
    func apply(_ change: IdentityChange, _ db: SQLConnection) async throws {
        switch change {
        case .createTenant(let tenant):
            try await Self.insertTenant(tenant, db)
        case .createProfile(let profile):
            try await Self.insertProfile(profile, db)
        case .createUser(let user, let hash, let details):
            try await db.execute(
                sql: """
                    INSERT INTO "user"(id, tenant_id, customer_id, email, email_hash, authority, first_name, last_name,
                        password_hash, created_time, status, email_verified_time, company, phone, jurisdiction, age_basis,
                        parent_email, origin)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'you, on the sign-up form')
                    """,
                arguments: [
                    user.id.description, user.tenantID?.description, user.customerID?.description,
                    try sealContact(user.email, .accountEmail, person: user.id), contactHash(user.email),
                    user.authority.rawValue, user.firstName, user.lastName, hash, user.createdTime, details.status.rawValue,
                    details.emailVerifiedTime, details.company,
                    try sealContact(details.phone, .accountPhone, person: user.id), details.jurisdiction,
                    details.ageBasis, try sealContact(details.parentEmail, .parentEmail, person: user.id),
                ])
        case .updateProfile(let user, let firstName, let company, let phone):
            try await db.execute(
                sql: "UPDATE \"user\" SET first_name = ?, company = ?, phone = ? WHERE id = ?",
                arguments: [firstName, company, try sealContact(phone, .accountPhone, person: user), user.description])
        case .setPicture(let user, let bytes, let type):
            try await db.execute(
                sql: "UPDATE \"user\" SET picture = ?, picture_type = ? WHERE id = ?", arguments: [bytes, type, user.description])
        case .setPasswordHash(let user, let hash):
            try await db.execute(sql: "UPDATE \"user\" SET password_hash = ? WHERE id = ?", arguments: [hash, user.description])
        case .setStatus(let user, let status):
            try await db.execute(sql: "UPDATE \"user\" SET status = ? WHERE id = ?", arguments: [status.rawValue, user.description])
        case .markEmailVerified(let user, let time):
            try await db.execute(sql: "UPDATE \"user\" SET email_verified_time = ? WHERE id = ?", arguments: [time, user.description])
        case .setAgeBasis(let user, let basis):
            try await db.execute(sql: "UPDATE \"user\" SET age_basis = ? WHERE id = ?", arguments: [basis, user.description])
        case .issueToken(let token):
            try await db.execute(
                sql: "INSERT INTO one_time_token(hash, user_id, purpose, created_time, expires_time) VALUES (?, ?, ?, ?, ?)",
                arguments: [token.hash, token.userID.description, token.purpose.rawValue, token.createdTime, token.expiresTime])
        case .consumeToken(let hash, let purpose, let time):
            let changed = try await db.execute(
                sql: """
                    UPDATE one_time_token SET used_time = ?
                    WHERE hash = ? AND purpose = ? AND used_time IS NULL AND expires_time > ?
                    """,
                arguments: [time, hash, purpose.rawValue, time])
            guard changed == 1 else {
                throw StewardError.conflict("This link or code was already used or has expired; ask for a new one")
            }
        case .voidTokens(let user, let purpose, let time):
            try await db.execute(
                sql: "UPDATE one_time_token SET used_time = ? WHERE user_id = ? AND purpose = ? AND used_time IS NULL",
                arguments: [time, user.description, purpose.rawValue])
        case .enqueueMail(let mail):
            let headers = JSONValue.array(mail.headers.map { .array($0.map(JSONValue.string)) }).serialized
            try await db.execute(
                sql: """
                    INSERT INTO mail_outbox(recipient, recipient_hash, subject, text_body, html_body, headers, created_time,
                        next_attempt_time)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    try sealContact(mail.recipient, .mailRecipient), contactHash(mail.recipient), mail.subject,
                    try sealContact(mail.textBody, .mailText), try sealContact(mail.htmlBody, .mailHTML), headers,
                    WallClock.nowMillis(), 0,
                ])
        case .recordAgreement(let agreement):
            try await db.execute(
                sql: "INSERT INTO policy_agreement(user_id, policy_version, time, method, ip, client) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [
                    agreement.userID.description, agreement.policyVersion, agreement.time, agreement.method, agreement.ip,
                    agreement.client,
                ])
        case .createSession(let session):
            try await db.execute(
                sql: """
                    INSERT INTO session(id, secret_hash, user_id, kind, stage, csrf_secret, created_time, last_seen_time,
                        expires_time, ip, client, refresh_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    session.id, session.secretHash, session.userID.description, session.kind.rawValue,
                    session.stage.rawValue, session.csrfSecret, session.createdTime, session.lastSeenTime,
                    session.expiresTime, session.ip, session.client, session.refreshHash,
                ])
        case .promoteSession(let id, let secretHash, let csrf):
            let changed = try await db.execute(
                sql: "UPDATE session SET stage = 'complete', secret_hash = ?, csrf_secret = ? WHERE id = ? AND revoked_time IS NULL",
                arguments: [secretHash, csrf, id])
            guard changed == 1 else { throw StewardError.unauthorized("The sign-in expired; sign in again") }
        case .revokeSession(let id, let user, let time):
            try await db.execute(
                sql: "UPDATE session SET revoked_time = ? WHERE id = ? AND user_id = ? AND revoked_time IS NULL",
                arguments: [time, id, user.description])
        case .rotateRefreshToken(let id, let from, let to):
            // SQLite's `IS ?` matches NULL to NULL: a session that never had a refresh token rotates from nil.
            let changed = try await db.execute(
                sql: """
                    UPDATE session SET refresh_hash = ?
                    WHERE id = ? AND revoked_time IS NULL AND refresh_hash IS NOT DISTINCT FROM ?::text
                    """,
                arguments: [to, id, from])
            guard changed == 1 else { throw StewardError.conflict("This refresh token was already used; sign in again") }
        case .revokeAllSessions(let user, let time):
            try await db.execute(
                sql: "UPDATE session SET revoked_time = ? WHERE user_id = ? AND revoked_time IS NULL",
                arguments: [time, user.description])
        case .createAPIKey(let key):
            try await db.execute(
                sql: """
                    INSERT INTO api_key(id, prefix, secret_hash, user_id, tenant_id, name, role, created_time)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    key.id, key.prefix, key.secretHash, key.userID.description, key.tenantID?.description, key.name,
                    key.role.rawValue, key.createdTime,
                ])
        case .revokeAPIKey(let id, let user, let time):
            let changed = try await db.execute(
                sql: "UPDATE api_key SET revoked_time = ? WHERE id = ? AND user_id = ? AND revoked_time IS NULL",
                arguments: [time, id, user.description])
            guard changed == 1 else { throw StewardError.notFound("No active key with id \(id)") }
        case .revokeAllAPIKeys(let user, let time):
            try await db.execute(
                sql: "UPDATE api_key SET revoked_time = ? WHERE user_id = ? AND revoked_time IS NULL",
                arguments: [time, user.description])
        case .setSecondFactor(let user, let factor, let secret):
            try await db.execute(
                sql: "UPDATE \"user\" SET second_factor = ?, totp_secret = ?, totp_last_step = NULL WHERE id = ?",
                arguments: [factor?.rawValue, secret, user.description])
        case .acceptTOTPStep(let user, let step):
            let changed = try await db.execute(
                sql: "UPDATE \"user\" SET totp_last_step = ? WHERE id = ? AND (totp_last_step IS NULL OR totp_last_step < ?)",
                arguments: [step, user.description, step])
            guard changed == 1 else { throw StewardError.unauthorized("This code was already used; wait for the next one") }
        case .replaceRecoveryCodes(let user, let hashes):
            try await db.execute(sql: "DELETE FROM recovery_code WHERE user_id = ?", arguments: [user.description])
            if !hashes.isEmpty {
                // One statement for the set; a repeated hash is refused as on SQLite (the primary key).
                try await db.execute(
                    sql: "INSERT INTO recovery_code(user_id, code_hash) SELECT ?, unnest(?::text[])",
                    arguments: [user.description, hashes])
            }
        case .useRecoveryCode(let user, let hash, let time):
            let changed = try await db.execute(
                sql: "UPDATE recovery_code SET used_time = ? WHERE user_id = ? AND code_hash = ? AND used_time IS NULL",
                arguments: [time, user.description, hash])
            guard changed == 1 else { throw StewardError.unauthorized("That recovery code is not valid or was already used") }
        case .recordSignIn(let record):
            try await db.execute(
                sql: """
                    INSERT INTO sign_in(time, email, email_hash, user_id, ip, client_key, client, outcome, new_place)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    record.time, try sealContact(record.email, .signInEmail, person: record.userID), contactHash(record.email),
                    record.userID?.description, record.ip, record.clientKey, record.client, record.outcome.rawValue,
                    record.newPlace,
                ])
        case .lockAccount(let user, let until):
            try await db.execute(sql: "UPDATE \"user\" SET locked_until = ? WHERE id = ?", arguments: [until, user.description])
        case .lockAddress(let email, let until, let time):
            try await db.execute(sql: "DELETE FROM address_lock WHERE until <= ?", arguments: [time])
            try await db.execute(
                sql: "INSERT INTO address_lock(email_hash, until) VALUES (?, ?) ON CONFLICT (email_hash) DO UPDATE SET until = excluded.until",
                arguments: [contactHash(email), until])
        case .withinMailAllowance(let allowance, let then):
            if try await grantMailRequest(allowance, db) {
                for change in then { try await apply(change, db) }
            }
        case .audit(let event):
            try await PostgresAuditChain.append(event, key: auditKey, db)
        case .recordConsent(let record):
            try await db.execute(
                sql: """
                    INSERT INTO consent_event(subject, purpose, state, policy_version, notice_hash, method, time, client, network)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    record.subject, record.purpose, record.state.rawValue, record.policyVersion, record.noticeHash,
                    record.method.rawValue, record.time, record.client, record.networkPrefix,
                ])
        case .recordPolicyVersion(let record):
            try await db.execute(
                sql: """
                    INSERT INTO policy_version(version, effective_date, material, narrows_rights, summary, rights, processors, loaded_time)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    record.version, record.effectiveDate, record.material, record.narrowsRights, record.summary,
                    Self.jsonTextList(record.rights), Self.jsonTextList(record.processors), record.loadedTime,
                ])
        case .recordAnnouncement(let record):
            try await db.execute(
                sql: "INSERT INTO announcement(time, subject, sent, skipped) VALUES (?, ?, ?, ?)",
                arguments: [record.time, record.subject, record.sent, record.skipped])
        case .rights(let change):
            try await apply(change, db)
        }
    }

    /// Counts what the allowance's window holds for its address and client and, if both are under their limits,
    /// records the request. Rows past the window are deleted first, so the table holds at most one window of requests.
    /// SQLite serialises writers; here an advisory lock held to the end of the transaction does.
    func grantMailRequest(_ allowance: MailAllowance, _ db: SQLConnection) async throws -> Bool {
        try await db.execute(sql: "SELECT pg_advisory_xact_lock(\(Self.mailAllowanceLockSpace), 0)")
        let since = allowance.time - allowance.window
        try await db.execute(sql: "DELETE FROM mail_request WHERE time < ?", arguments: [since])
        // A mail limited per client only is recorded without its address (NULL never matches one).
        let lookup = allowance.perRecipient == nil ? nil : contactHash(allowance.recipient)
        let forRecipient =
            try await db.fetchValue(
                Int.self, sql: "SELECT COUNT(*) FROM mail_request WHERE recipient_hash = ? AND time >= ?", arguments: [lookup, since]) ?? 0
        let fromClient =
            try await db.fetchValue(
                Int.self, sql: "SELECT COUNT(*) FROM mail_request WHERE client = ? AND time >= ?", arguments: [allowance.client, since]) ?? 0
        guard forRecipient < allowance.perRecipient ?? .max, fromClient < allowance.perClient else { return false }
        try await db.execute(
            sql: "INSERT INTO mail_request(time, kind, recipient_hash, client) VALUES (?, ?, ?, ?)",
            arguments: [allowance.time, allowance.kind, lookup, allowance.client])
        return true
    }

    /// A list of strings as a JSON array, for list columns that are only ever read whole (as SQLite's `jsonList`).
    static func jsonTextList(_ items: [String]) -> String {
        JSONValue.array(items.map { .string($0) }).serialized
    }
}
