import Foundation
import StewardCore
import StewardVault
import StewardStore

/// Reads of accounts, one-time tokens, sessions, API keys, recovery codes, sign-ins and consent: the statements of
/// `SQLiteStore+IdentityReads.swift`. Addresses are found by their keyed hash and opened in Swift. Where SQLite's
/// order left ties to its scan order (row id), the row's insertion key breaks them here, so both answer alike.
extension PostgresStore {
    public func account(email: String) async throws -> AccountRecord? {
        let hash = contactHash(email)
        return try await database.read { db in
            try await db.fetchOne(sql: "SELECT \(Self.accountColumns) FROM \"user\" WHERE email_hash = ?", arguments: [hash])
                .map(self.accountRecord)
        }
    }

    public func account(id: UserID) async throws -> AccountRecord? {
        try await database.read { db in
            try await db.fetchOne(sql: "SELECT \(Self.accountColumns) FROM \"user\" WHERE id = ?", arguments: [id.description])
                .map(self.accountRecord)
        }
    }

    public func picture(of user: UserID) async throws -> (bytes: [UInt8], contentType: String)? {
        let found: PictureRow? = try await database.read { db in
            guard let row = try await db.fetchOne(
                sql: "SELECT picture, picture_type FROM \"user\" WHERE id = ? AND picture IS NOT NULL",
                arguments: [user.description])
            else { return nil }
            return PictureRow(bytes: try row.bytes("picture") ?? [], contentType: try row["picture_type"])
        }
        return found.map { ($0.bytes, $0.contentType ?? "application/octet-stream") }
    }

    public func token(hash: String) async throws -> OneTimeToken? {
        try await database.read { db in
            try await db.fetchOne(sql: "SELECT * FROM one_time_token WHERE hash = ?", arguments: [hash]).map(OneTimeToken.init(row:))
        }
    }

    public func session(id: String) async throws -> Session? {
        try await database.read { db in
            try await db.fetchOne(sql: "SELECT * FROM session WHERE id = ?", arguments: [id]).map(Session.init(row:))
        }
    }

    public func session(secretHash: String) async throws -> Session? {
        try await database.read { db in
            try await db.fetchOne(sql: "SELECT * FROM session WHERE secret_hash = ?", arguments: [secretHash]).map(Session.init(row:))
        }
    }

    public func sessions(of user: UserID) async throws -> [Session] {
        try await database.read { db in
            try await db.fetchAll(
                sql: "SELECT * FROM session WHERE user_id = ? ORDER BY last_seen_time DESC, row_seq", arguments: [user.description]
            ).map(Session.init(row:))
        }
    }

    public func apiKey(prefix: String) async throws -> APIKeyRecord? {
        try await database.read { db in
            try await db.fetchOne(sql: "SELECT * FROM api_key WHERE prefix = ?", arguments: [prefix]).map(APIKeyRecord.init(row:))
        }
    }

    public func apiKeys(of user: UserID) async throws -> [APIKeyRecord] {
        try await database.read { db in
            try await db.fetchAll(
                sql: "SELECT * FROM api_key WHERE user_id = ? ORDER BY created_time DESC, row_seq", arguments: [user.description]
            ).map(APIKeyRecord.init(row:))
        }
    }

    public func unusedRecoveryCodeCount(of user: UserID) async throws -> Int {
        try await database.read { db in
            Int(
                try await db.fetchValue(
                    Int64.self, sql: "SELECT COUNT(*) FROM recovery_code WHERE user_id = ? AND used_time IS NULL",
                    arguments: [user.description]) ?? 0)
        }
    }

    public func signIns(of user: UserID, limit: Int) async throws -> [SignInRecord] {
        try await database.read { db in
            try await db.fetchAll(
                sql: "SELECT * FROM sign_in WHERE user_id = ? ORDER BY time DESC, id DESC LIMIT ?", arguments: [user.description, limit]
            ).map(self.signInRecord)
        }
    }

    /// Attempts that count against an address: the outcomes a guesser produces.
    static let failedOutcomes = "('wrong-password', 'unknown-account', 'not-confirmed', 'wrong-factor')"

    public func failedSignIns(email: String, since: Int64) async throws -> Int {
        let hash = contactHash(email)
        return try await database.read { db in
            Int(
                try await db.fetchValue(
                    Int64.self,
                    sql: "SELECT COUNT(*) FROM sign_in WHERE email_hash = ? AND time >= ? AND outcome IN \(Self.failedOutcomes)",
                    arguments: [hash, since]) ?? 0)
        }
    }

    public func failedSignIns(clientKey: String, since: Int64) async throws -> Int {
        try await database.read { db in
            Int(
                try await db.fetchValue(
                    Int64.self,
                    sql: "SELECT COUNT(*) FROM sign_in WHERE client_key = ? AND time >= ? AND outcome IN \(Self.failedOutcomes)",
                    arguments: [clientKey, since]) ?? 0)
        }
    }

    public func addressLockedUntil(email: String, at time: Int64) async throws -> Int64? {
        let hash = contactHash(email)
        return try await database.read { db in
            try await db.fetchValue(
                Int64.self, sql: "SELECT until FROM address_lock WHERE email_hash = ? AND until > ?", arguments: [hash, time])
        }
    }

    /// Ties of the newest time fall back to the grouping order, (ip, client) in byte order, as SQLite's sort of its
    /// grouped rows leaves them.
    public func signInPlaces(of user: UserID, limit: Int) async throws -> [SignInPlace] {
        try await database.read { db in
            try await db.fetchAll(
                sql: """
                    SELECT ip, client, MAX(time) AS last FROM sign_in WHERE user_id = ? AND outcome = 'success'
                    GROUP BY ip, client ORDER BY last DESC, ip COLLATE "C", client COLLATE "C" LIMIT ?
                    """,
                arguments: [user.description, limit]
            ).map { SignInPlace(ip: try $0["ip"], client: try $0["client"]) }
        }
    }

    public func agreements(of user: UserID) async throws -> [PolicyAgreement] {
        try await database.read { db in
            try await db.fetchAll(
                sql: "SELECT * FROM policy_agreement WHERE user_id = ? ORDER BY time DESC, id", arguments: [user.description]
            ).map {
                PolicyAgreement(
                    userID: user, policyVersion: try $0["policy_version"], time: try $0["time"], method: try $0["method"],
                    ip: try $0["ip"], client: try $0["client"])
            }
        }
    }

    public func consentHistory(subject: String) async throws -> [ConsentRecord] {
        try await database.read { db in
            try await db.fetchAll(sql: "SELECT * FROM consent_event WHERE subject = ? ORDER BY seq DESC", arguments: [subject])
                .map(ConsentRecord.init(row:))
        }
    }

    // MARK: Policy versions and announcements (SQLiteStore+Policy.swift)

    public func policyVersions() async throws -> [PolicyVersionRecord] {
        try await database.read { db in
            try await db.fetchAll(sql: "SELECT * FROM policy_version ORDER BY seq").map(PolicyVersionRecord.init(row:))
        }
    }

    public func lastAnnouncement() async throws -> AnnouncementRecord? {
        try await database.read { db in
            try await db.fetchOne(sql: "SELECT * FROM announcement ORDER BY seq DESC LIMIT 1").map {
                AnnouncementRecord(time: try $0["time"], subject: try $0["subject"], sent: try $0["sent"], skipped: try $0["skipped"])
            }
        }
    }

    public func activeAccounts() async throws -> [AccountRecord] {
        try await database.read { db in
            try await db.fetchAll(
                sql: "SELECT \(Self.accountColumns) FROM \"user\" WHERE status = 'active' ORDER BY created_time, id COLLATE \"C\""
            ).map(self.accountRecord)
        }
    }

    public func accountHolders() async throws -> [AccountRecord] {
        try await database.read { db in
            try await db.fetchAll(
                sql: """
                    SELECT \(Self.accountColumns) FROM "user" WHERE status NOT IN ('awaiting-email', 'awaiting-parent')
                    ORDER BY created_time, id COLLATE "C"
                    """
            ).map(self.accountRecord)
        }
    }
}

/// A picture as read inside the connection closure (tuples are not `Sendable` results).
private struct PictureRow: Sendable {
    var bytes: [UInt8]
    var contentType: String?
}
