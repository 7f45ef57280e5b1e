import Foundation
import StewardCore
import StewardStore
import StewardVault

/// Data-subject requests, complaints and the disclosure register: the SQL behind `RightsChange` (the reads are in
/// `PostgresStore+Requests.swift`). Addresses are sealed with the service key and found by their keyed hash.
extension PostgresStore {
    func apply(_ change: RightsChange, _ db: SQLConnection) async throws {
        switch change {
        case .createRequest(let r):
            try await db.execute(
                sql: """
                    INSERT INTO dsr_request(id, tenant_id, user_id, email, email_hash, name, kind, details, jurisdiction, status, source,
                        verification_hash, verification_expires, received_time, verified_time, acknowledge_by,
                        acknowledged_time, due_time, extended_due_time, extension_reason, extension_notified_time,
                        closed_time, closed_by, outcome)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    r.id, r.tenantID?.description, r.userID?.description, try sealContact(r.email, .requestEmail),
                    contactHash(r.email), r.name, r.kind.rawValue, r.details, r.jurisdiction, r.status.rawValue,
                    r.source.rawValue, r.verificationHash, r.verificationExpires, r.receivedTime, r.verifiedTime,
                    r.acknowledgeBy, r.acknowledgedTime, r.dueTime, r.extendedDueTime, r.extensionReason,
                    r.extensionNotifiedTime, r.closedTime, r.closedBy?.description, r.outcome,
                ])
        case .verifyRequest(let id, let hash, let time, let acknowledgeBy, let due):
            let changed = try await db.execute(
                sql: """
                    UPDATE dsr_request SET status = 'open', verified_time = ?, acknowledge_by = ?, acknowledged_time = ?,
                        due_time = ?
                    WHERE id = ? AND verification_hash = ? AND status = 'awaiting-verification' AND verification_expires > ?
                    """,
                arguments: [time, acknowledgeBy, time, due, id, hash, time])
            guard changed == 1 else {
                throw StewardError.conflict("This link was already used or has expired; nothing was changed. File the request again for a new link")
            }
        case .extendRequest(let id, let until, let reason, let time):
            let changed = try await db.execute(
                sql: """
                    UPDATE dsr_request SET status = 'extended', extended_due_time = ?, extension_reason = ?,
                        extension_notified_time = ?
                    WHERE id = ? AND status = 'open' AND due_time > ?
                    """,
                arguments: [until, reason, time, id, time])
            guard changed == 1 else {
                throw StewardError.conflict("Request \(id) can no longer be extended: it was extended, closed or its due date passed")
            }
        case .closeRequest(let id, let status, let outcome, let by, let time):
            let changed = try await db.execute(
                sql: """
                    UPDATE dsr_request SET status = ?, outcome = ?, closed_by = ?, closed_time = ?
                    WHERE id = ? AND status IN ('open', 'extended')
                    """,
                arguments: [status.rawValue, outcome, by?.description, time, id])
            guard changed == 1 else { throw StewardError.conflict("Request \(id) is already closed; nothing was changed") }
        case .purgeUnverifiedRequests(let before):
            try await db.execute(
                sql: "DELETE FROM dsr_request WHERE status = 'awaiting-verification' AND verification_expires < ?",
                arguments: [before])
        case .pseudonymizeRequests(let user, let email, let pseudonym):
            // The address goes from every request and complaint of the person (by account or by address), and from
            // the texts that quote it; the pseudonym takes its place, sealed and hashed like any address.
            let pseudonymHash = contactHash(pseudonym)
            let emailHash = contactHash(email)
            try await db.execute(
                sql: """
                    UPDATE dsr_request SET email = ?1, email_hash = ?2, name = NULL, details = '',
                        outcome = replace(outcome, ?5, ?6) WHERE user_id = ?3 OR email_hash = ?4
                    """,
                arguments: [
                    try sealContact(pseudonym, .requestEmail), pseudonymHash, user.description, emailHash, email, pseudonym,
                ])
            try await db.execute(
                sql: """
                    UPDATE complaint SET email = ?1, email_hash = ?2, name = NULL, text = replace(text, ?5, ?6)
                    WHERE user_id = ?3 OR email_hash = ?4
                    """,
                arguments: [
                    try sealContact(pseudonym, .complaintEmail), pseudonymHash, user.description, emailHash, email, pseudonym,
                ])
        case .recordComplaint(let c):
            try await db.execute(
                sql: """
                    INSERT INTO complaint(id, tenant_id, user_id, name, email, email_hash, text, received_time)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    c.id, c.tenantID?.description, c.userID?.description, c.name, try sealContact(c.email, .complaintEmail),
                    contactHash(c.email), c.text, c.receivedTime,
                ])
        case .recordDisclosure(let d):
            try await db.execute(
                sql: """
                    INSERT INTO disclosure(id, tenant_id, user_id, recipient, categories, what, legal_ground, disclosed_time,
                        recorded_time, recorded_by, restricted_until, restriction_reason)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    d.id, d.tenantID?.description, d.userID.description, d.recipient, Self.jsonTextList(d.categories), d.what,
                    d.legalGround, d.disclosedTime, d.recordedTime, d.recordedBy?.description, d.restrictedUntil,
                    d.restrictionReason,
                ])
        }
    }
}
