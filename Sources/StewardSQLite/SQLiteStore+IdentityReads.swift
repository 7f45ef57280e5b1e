import Foundation
import GRDB
import StewardCore
import StewardStore

extension SQLiteStore {
    public func account(email: String) async throws -> AccountRecord? {
        try await pool.read { db in
            try self.openedRow(Self.userColumns, db, sql: "SELECT * FROM user WHERE email_hash = ?", arguments: [self.contactHash(email)]).map(AccountRecord.init(row:))
        }
    }

    public func account(id: UserID) async throws -> AccountRecord? {
        try await pool.read { db in
            try self.openedRow(Self.userColumns, db, sql: "SELECT * FROM user WHERE id = ?", arguments: [id.description]).map(AccountRecord.init(row:))
        }
    }

    public func picture(of user: UserID) async throws -> (bytes: [UInt8], contentType: String)? {
        try await pool.read { db in
            guard let row = try Row.fetchOne(
                db, sql: "SELECT picture, picture_type FROM user WHERE id = ? AND picture IS NOT NULL",
                arguments: [user.description])
            else { return nil }
            return ([UInt8](row["picture"] as Data), row["picture_type"] ?? "application/octet-stream")
        }
    }

    public func token(hash: String) async throws -> OneTimeToken? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM one_time_token WHERE hash = ?", arguments: [hash]).map {
                OneTimeToken(
                    hash: $0["hash"], userID: UserID($0["user_id"] as String)!,
                    purpose: TokenPurpose(rawValue: $0["purpose"]) ?? .signInCode, createdTime: $0["created_time"],
                    expiresTime: $0["expires_time"], usedTime: $0["used_time"], attempts: $0["attempts"])
            }
        }
    }

    public func session(id: String) async throws -> Session? {
        try await pool.read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM session WHERE id = ?"), arguments: [id]).map(Session.init(row:))
        }
    }

    public func session(secretHash: String) async throws -> Session? {
        try await pool.read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM session WHERE secret_hash = ?"), arguments: [secretHash])
                .map(Session.init(row:))
        }
    }

    public func sessions(of user: UserID) async throws -> [Session] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM session WHERE user_id = ? ORDER BY last_seen_time DESC", arguments: [user.description]
            ).map(Session.init(row:))
        }
    }

    public func touchSession(id: String, at time: Int64) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE session SET last_seen_time = ? WHERE id = ? AND last_seen_time < ?",
                arguments: [time, id, time - 60_000])
        }
    }

    public func apiKey(prefix: String) async throws -> APIKeyRecord? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM api_key WHERE prefix = ?", arguments: [prefix]).map(APIKeyRecord.init(row:))
        }
    }

    public func apiKeys(of user: UserID) async throws -> [APIKeyRecord] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM api_key WHERE user_id = ? ORDER BY created_time DESC", arguments: [user.description]
            ).map(APIKeyRecord.init(row:))
        }
    }

    public func touchAPIKey(id: String, at time: Int64, ip: String) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE api_key SET last_used_time = ?, last_used_ip = ? WHERE id = ?", arguments: [time, ip, id])
        }
    }

    public func unusedRecoveryCodeCount(of user: UserID) async throws -> Int {
        try await pool.read { db in
            try Int.fetchOne(
                db, sql: "SELECT COUNT(*) FROM recovery_code WHERE user_id = ? AND used_time IS NULL",
                arguments: [user.description]) ?? 0
        }
    }

    public func signIns(of user: UserID, limit: Int) async throws -> [SignInRecord] {
        try await pool.read { db in
            try self.openedRows(Self.signInColumns, db, sql: "SELECT * FROM sign_in WHERE user_id = ? ORDER BY time DESC, id DESC LIMIT ?",
                arguments: [user.description, limit]
            ).map(SignInRecord.init(row:))
        }
    }

    public func failedSignIns(email: String, since: Int64) async throws -> Int {
        try await pool.read { db in
            try Int.fetchOne(
                db,
                sql: """
                    SELECT COUNT(*) FROM sign_in WHERE email_hash = ? AND time >= ?
                    AND outcome IN ('wrong-password', 'unknown-account', 'not-confirmed', 'wrong-factor')
                    """,
                arguments: [self.contactHash(email), since]) ?? 0
        }
    }

    public func failedSignIns(clientKey: String, since: Int64) async throws -> Int {
        try await pool.read { db in
            try Int.fetchOne(
                db,
                sql: """
                    SELECT COUNT(*) FROM sign_in WHERE client_key = ? AND time >= ?
                    AND outcome IN ('wrong-password', 'unknown-account', 'not-confirmed', 'wrong-factor')
                    """,
                arguments: [clientKey, since]) ?? 0
        }
    }

    public func addressLockedUntil(email: String, at time: Int64) async throws -> Int64? {
        try await pool.read { db in
            try Int64.fetchOne(
                db, sql: "SELECT until FROM address_lock WHERE email_hash = ? AND until > ?",
                arguments: [self.contactHash(email), time])
        }
    }

    public func signInPlaces(of user: UserID, limit: Int) async throws -> [SignInPlace] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT ip, client, MAX(time) AS last FROM sign_in WHERE user_id = ? AND outcome = 'success'
                    GROUP BY ip, client ORDER BY last DESC LIMIT ?
                    """,
                arguments: [user.description, limit]
            ).map { SignInPlace(ip: $0["ip"], client: $0["client"]) }
        }
    }

    public func agreements(of user: UserID) async throws -> [PolicyAgreement] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM policy_agreement WHERE user_id = ? ORDER BY time DESC", arguments: [user.description]
            ).map {
                PolicyAgreement(
                    userID: user, policyVersion: $0["policy_version"], time: $0["time"], method: $0["method"], ip: $0["ip"],
                    client: $0["client"])
            }
        }
    }

    public func consentHistory(subject: String) async throws -> [ConsentRecord] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM consent_event WHERE subject = ? ORDER BY seq DESC", arguments: [subject]
            ).map {
                ConsentRecord(
                    subject: $0["subject"], purpose: $0["purpose"], state: ConsentRecord.State(rawValue: $0["state"]) ?? .refused,
                    policyVersion: $0["policy_version"], noticeHash: $0["notice_hash"],
                    method: ConsentRecord.Method(rawValue: $0["method"]) ?? .form, time: $0["time"], client: $0["client"],
                    networkPrefix: $0["network"])
            }
        }
    }

    public func auditEntries(tenant: TenantID?, subject: UserID?, event: String?, limit: Int) async throws -> [AuditEntry] {
        try await pool.read { db in
            var conditions: [String] = []
            var arguments: StatementArguments = []
            if let tenant {
                conditions.append("tenant_id = ?")
                arguments += [tenant.description]
            }
            if let subject {
                conditions.append("subject_id = ?")
                arguments += [subject.description]
            }
            if let event {
                conditions.append("event = ?")
                arguments += [event]
            }
            let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            arguments += [limit]
            return try Row.fetchAll(db, sql: "SELECT * FROM audit_log \(filter) ORDER BY seq DESC LIMIT ?", arguments: arguments)
                .map(AuditChain.entry)
        }
    }

    public func deleteUnopenedAccounts(createdBefore: Int64) async throws -> [User] {
        try await pool.write { db in
            let users = try self.openedRows(Self.userColumns, db, sql: "SELECT * FROM user WHERE status IN ('awaiting-email', 'awaiting-parent') AND created_time < ?",
                arguments: [createdBefore]
            ).map(User.init(row:))
            for user in users {
                try db.execute(sql: "DELETE FROM user WHERE id = ?", arguments: [user.id.description])
                if let tenant = user.tenantID,
                    try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM user WHERE tenant_id = ?", arguments: [tenant.description]) == 0,
                    try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM device WHERE tenant_id = ?", arguments: [tenant.description]) == 0
                {
                    try db.execute(sql: "DELETE FROM tenant WHERE id = ?", arguments: [tenant.description])
                }
            }
            return users
        }
    }

    public func verifyAuditChain() async throws -> AuditVerification {
        try await pool.read { db in try AuditChain.verify(db, key: auditKey) }
    }
}

extension AccountRecord {
    init(row: Row) {
        self.init(
            user: User(row: row),
            details: AccountDetails(
                status: AccountStatus(rawValue: row["status"]) ?? .disabled, emailVerifiedTime: row["email_verified_time"],
                company: row["company"], phone: row["phone"], hasPicture: row["picture"] != nil,
                jurisdiction: row["jurisdiction"], ageBasis: row["age_basis"], parentEmail: row["parent_email"],
                secondFactor: (row["second_factor"] as String?).flatMap(SecondFactor.init(rawValue:)),
                totpSecret: row["totp_secret"], totpLastStep: row["totp_last_step"], lockedUntil: row["locked_until"]),
            passwordHash: row["password_hash"])
    }
}

extension Session {
    init(row: Row) {
        self.init(
            id: row["id"], secretHash: row["secret_hash"], userID: UserID(row["user_id"] as String)!,
            kind: Kind(rawValue: row["kind"]) ?? .web, stage: Stage(rawValue: row["stage"]) ?? .secondFactor,
            csrfSecret: row["csrf_secret"], createdTime: row["created_time"], lastSeenTime: row["last_seen_time"],
            expiresTime: row["expires_time"], ip: row["ip"], client: row["client"], revokedTime: row["revoked_time"],
            refreshHash: row["refresh_hash"])
    }
}

extension APIKeyRecord {
    init(row: Row) {
        self.init(
            id: row["id"], prefix: row["prefix"], secretHash: row["secret_hash"], userID: UserID(row["user_id"] as String)!,
            tenantID: (row["tenant_id"] as String?).flatMap(TenantID.init), name: row["name"],
            role: APIKeyRole(rawValue: row["role"]) ?? .readOnly, createdTime: row["created_time"],
            lastUsedTime: row["last_used_time"], lastUsedIP: row["last_used_ip"], revokedTime: row["revoked_time"])
    }
}

extension SignInRecord {
    init(row: Row) {
        self.init(
            time: row["time"], email: row["email"], userID: (row["user_id"] as String?).flatMap(UserID.init), ip: row["ip"],
            clientKey: row["client_key"], client: row["client"], outcome: Outcome(rawValue: row["outcome"]) ?? .wrongPassword, newPlace: row["new_place"])
    }
}
