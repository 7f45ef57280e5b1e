import Foundation
import GRDB
import StewardCore
import StewardStore

/// Data-subject requests, complaints and the disclosure register: the SQL behind `RightsChange` and its reads.
extension SQLiteStore {
    func apply(_ change: RightsChange, _ db: Database) throws {
        switch change {
        case .createRequest(let r):
            try db.execute(
                sql: """
                    INSERT INTO dsr_request(id, tenant_id, user_id, email, email_hash, name, kind, details, jurisdiction, status, source,
                        verification_hash, verification_expires, received_time, verified_time, acknowledge_by,
                        acknowledged_time, due_time, extended_due_time, extension_reason, extension_notified_time,
                        closed_time, closed_by, outcome)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    r.id, r.tenantID?.description, r.userID?.description,
                    try sealContact(r.email, in: Self.requestEmail),
                    contactHash(r.email), r.name, r.kind.rawValue, r.details,
                    r.jurisdiction, r.status.rawValue, r.source.rawValue, r.verificationHash, r.verificationExpires,
                    r.receivedTime, r.verifiedTime, r.acknowledgeBy, r.acknowledgedTime, r.dueTime, r.extendedDueTime,
                    r.extensionReason, r.extensionNotifiedTime, r.closedTime, r.closedBy?.description, r.outcome,
                ])
        case .verifyRequest(let id, let hash, let time, let acknowledgeBy, let due):
            try db.execute(
                sql: """
                    UPDATE dsr_request SET status = 'open', verified_time = ?, acknowledge_by = ?, acknowledged_time = ?,
                        due_time = ?
                    WHERE id = ? AND verification_hash = ? AND status = 'awaiting-verification' AND verification_expires > ?
                    """,
                arguments: [time, acknowledgeBy, time, due, id, hash, time])
            guard db.changesCount == 1 else {
                throw StewardError.conflict("This link was already used or has expired; nothing was changed. File the request again for a new link")
            }
        case .extendRequest(let id, let until, let reason, let time):
            try db.execute(
                sql: """
                    UPDATE dsr_request SET status = 'extended', extended_due_time = ?, extension_reason = ?,
                        extension_notified_time = ?
                    WHERE id = ? AND status = 'open' AND due_time > ?
                    """,
                arguments: [until, reason, time, id, time])
            guard db.changesCount == 1 else {
                throw StewardError.conflict("Request \(id) can no longer be extended: it was extended, closed or its due date passed")
            }
        case .closeRequest(let id, let status, let outcome, let by, let time):
            try db.execute(
                sql: """
                    UPDATE dsr_request SET status = ?, outcome = ?, closed_by = ?, closed_time = ?
                    WHERE id = ? AND status IN ('open', 'extended')
                    """,
                arguments: [status.rawValue, outcome, by?.description, time, id])
            guard db.changesCount == 1 else { throw StewardError.conflict("Request \(id) is already closed; nothing was changed") }
        case .purgeUnverifiedRequests(let before):
            try db.execute(
                sql: "DELETE FROM dsr_request WHERE status = 'awaiting-verification' AND verification_expires < ?",
                arguments: [before])
        case .pseudonymizeRequests(let user, let email, let pseudonym):
            let pseudonymHash = contactHash(pseudonym)
            let emailHash = contactHash(email)
            try db.execute(
                sql: """
                    UPDATE dsr_request SET email = ?1, email_hash = ?2, name = NULL, details = '',
                        outcome = replace(outcome, ?5, ?6) WHERE user_id = ?3 OR email_hash = ?4
                    """,
                arguments: [
                    try sealContact(pseudonym, in: Self.requestEmail), pseudonymHash,
                    user.description, emailHash, email, pseudonym,
                ])
            try db.execute(
                sql: """
                    UPDATE complaint SET email = ?1, email_hash = ?2, name = NULL, text = replace(text, ?5, ?6)
                    WHERE user_id = ?3 OR email_hash = ?4
                    """,
                arguments: [
                    try sealContact(pseudonym, in: Self.complaintEmail), pseudonymHash,
                    user.description, emailHash, email, pseudonym,
                ])
        case .recordComplaint(let c):
            let lookup = contactHash(c.email)
            try db.execute(
                sql: """
                    INSERT INTO complaint(id, tenant_id, user_id, name, email, email_hash, text, received_time)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    c.id, c.tenantID?.description, c.userID?.description, c.name,
                    try sealContact(c.email, in: Self.complaintEmail), lookup, c.text,
                    c.receivedTime,
                ])
        case .recordDisclosure(let d):
            try db.execute(
                sql: """
                    INSERT INTO disclosure(id, tenant_id, user_id, recipient, categories, what, legal_ground, disclosed_time,
                        recorded_time, recorded_by, restricted_until, restriction_reason)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    d.id, d.tenantID?.description, d.userID.description, d.recipient, Self.jsonList(d.categories), d.what,
                    d.legalGround, d.disclosedTime, d.recordedTime, d.recordedBy?.description, d.restrictedUntil,
                    d.restrictionReason,
                ])
        }
    }

    public func requests(tenant: TenantID?) async throws -> [RequestRecord] {
        try await pool.read { db in
            let rows: [Row]
            if let tenant {
                rows = try self.openedRows(Self.requestColumns, db, sql: "SELECT * FROM dsr_request WHERE tenant_id = ? ORDER BY received_time, id",
                    arguments: [tenant.description])
            } else {
                rows = try self.openedRows(Self.requestColumns, db, sql: "SELECT * FROM dsr_request ORDER BY received_time, id")
            }
            return rows.map(RequestRecord.init(row:))
        }
    }

    public func request(id: String) async throws -> RequestRecord? {
        try await pool.read { db in
            try self.openedRow(Self.requestColumns, db, sql: "SELECT * FROM dsr_request WHERE id = ?", arguments: [id]).map(RequestRecord.init(row:))
        }
    }

    public func request(verificationHash: String) async throws -> RequestRecord? {
        try await pool.read { db in
            try self.openedRow(Self.requestColumns, db, sql: "SELECT * FROM dsr_request WHERE verification_hash = ?", arguments: [verificationHash])
                .map(RequestRecord.init(row:))
        }
    }

    public func requests(email: String) async throws -> [RequestRecord] {
        try await pool.read { db in
            try self.openedRows(Self.requestColumns, db, sql: "SELECT * FROM dsr_request WHERE email_hash = ? ORDER BY received_time, id",
                arguments: [self.contactHash(email)]
            ).map(RequestRecord.init(row:))
        }
    }

    public func requests(user: UserID) async throws -> [RequestRecord] {
        try await pool.read { db in
            try self.openedRows(Self.requestColumns, db, sql: "SELECT * FROM dsr_request WHERE user_id = ? ORDER BY received_time, id", arguments: [user.description]
            ).map(RequestRecord.init(row:))
        }
    }

    public func complaints(tenant: TenantID?) async throws -> [ComplaintRecord] {
        try await pool.read { db in
            let rows: [Row]
            if let tenant {
                rows = try self.openedRows(Self.complaintColumns, db, sql: "SELECT * FROM complaint WHERE tenant_id = ? ORDER BY received_time DESC, id",
                    arguments: [tenant.description])
            } else {
                rows = try self.openedRows(Self.complaintColumns, db, sql: "SELECT * FROM complaint ORDER BY received_time DESC, id")
            }
            return rows.map(ComplaintRecord.init(row:))
        }
    }

    public func complaintCount(email: String, since: Int64) async throws -> Int {
        try await pool.read { db in
            try Int.fetchOne(
                db, sql: "SELECT COUNT(*) FROM complaint WHERE email_hash = ? AND received_time >= ?",
                arguments: [self.contactHash(email), since]) ?? 0
        }
    }

    public func disclosures(of user: UserID) async throws -> [DisclosureRecord] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM disclosure WHERE user_id = ? ORDER BY disclosed_time, id", arguments: [user.description]
            ).map(DisclosureRecord.init(row:))
        }
    }

    public func disclosures(tenant: TenantID?) async throws -> [DisclosureRecord] {
        try await pool.read { db in
            let rows: [Row]
            if let tenant {
                rows = try Row.fetchAll(
                    db, sql: "SELECT * FROM disclosure WHERE tenant_id = ? ORDER BY disclosed_time DESC, id",
                    arguments: [tenant.description])
            } else {
                rows = try Row.fetchAll(db, sql: "SELECT * FROM disclosure ORDER BY disclosed_time DESC, id")
            }
            return rows.map(DisclosureRecord.init(row:))
        }
    }
}

extension RequestRecord {
    init(row: Row) {
        self.init(
            id: row["id"], tenantID: (row["tenant_id"] as String?).flatMap(TenantID.init),
            userID: (row["user_id"] as String?).flatMap(UserID.init), email: row["email"], name: row["name"],
            kind: RequestKind(rawValue: row["kind"]) ?? .access, details: row["details"], jurisdiction: row["jurisdiction"],
            status: RequestStatus(rawValue: row["status"]) ?? .open, source: RequestSource(rawValue: row["source"]) ?? .staff,
            verificationHash: row["verification_hash"], verificationExpires: row["verification_expires"],
            receivedTime: row["received_time"], verifiedTime: row["verified_time"], acknowledgeBy: row["acknowledge_by"],
            acknowledgedTime: row["acknowledged_time"], dueTime: row["due_time"], extendedDueTime: row["extended_due_time"],
            extensionReason: row["extension_reason"], extensionNotifiedTime: row["extension_notified_time"],
            closedTime: row["closed_time"], closedBy: (row["closed_by"] as String?).flatMap(UserID.init), outcome: row["outcome"])
    }
}

extension ComplaintRecord {
    init(row: Row) {
        self.init(
            id: row["id"], tenantID: (row["tenant_id"] as String?).flatMap(TenantID.init),
            userID: (row["user_id"] as String?).flatMap(UserID.init), name: row["name"], email: row["email"], text: row["text"],
            receivedTime: row["received_time"])
    }
}

extension DisclosureRecord {
    init(row: Row) {
        self.init(
            id: row["id"], tenantID: (row["tenant_id"] as String?).flatMap(TenantID.init),
            userID: UserID(row["user_id"] as String)!, recipient: row["recipient"],
            categories: SQLiteStore.list(row["categories"]), what: row["what"], legalGround: row["legal_ground"],
            disclosedTime: row["disclosed_time"], recordedTime: row["recorded_time"],
            recordedBy: (row["recorded_by"] as String?).flatMap(UserID.init), restrictedUntil: row["restricted_until"],
            restrictionReason: row["restriction_reason"])
    }
}
