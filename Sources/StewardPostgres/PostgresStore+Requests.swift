import Foundation
import StewardCore
import StewardVault
import StewardStore

/// Reads of data-subject requests, complaints and the disclosure register: the queries of `SQLiteStore+Requests.swift`.
/// Addresses are found by their keyed hash and opened in Swift; ids break ties in byte order, as SQLite orders text.
extension PostgresStore {
    public func requests(tenant: TenantID?) async throws -> [RequestRecord] {
        try await database.read { db in
            let rows: [SQLRow]
            if let tenant {
                rows = try await db.fetchAll(
                    sql: "SELECT * FROM dsr_request WHERE tenant_id = ? ORDER BY received_time, id COLLATE \"C\"",
                    arguments: [tenant.description])
            } else {
                rows = try await db.fetchAll(sql: "SELECT * FROM dsr_request ORDER BY received_time, id COLLATE \"C\"")
            }
            return try rows.map(self.requestRecord)
        }
    }

    public func request(id: String) async throws -> RequestRecord? {
        try await database.read { db in
            try await db.fetchOne(sql: "SELECT * FROM dsr_request WHERE id = ?", arguments: [id]).map(self.requestRecord)
        }
    }

    public func request(verificationHash: String) async throws -> RequestRecord? {
        try await database.read { db in
            try await db.fetchOne(sql: "SELECT * FROM dsr_request WHERE verification_hash = ?", arguments: [verificationHash])
                .map(self.requestRecord)
        }
    }

    public func requests(email: String) async throws -> [RequestRecord] {
        let hash = contactHash(email)
        return try await database.read { db in
            try await db.fetchAll(
                sql: "SELECT * FROM dsr_request WHERE email_hash = ? ORDER BY received_time, id COLLATE \"C\"", arguments: [hash]
            ).map(self.requestRecord)
        }
    }

    public func requests(user: UserID) async throws -> [RequestRecord] {
        try await database.read { db in
            try await db.fetchAll(
                sql: "SELECT * FROM dsr_request WHERE user_id = ? ORDER BY received_time, id COLLATE \"C\"",
                arguments: [user.description]
            ).map(self.requestRecord)
        }
    }

    public func complaints(tenant: TenantID?) async throws -> [ComplaintRecord] {
        try await database.read { db in
            let rows: [SQLRow]
            if let tenant {
                rows = try await db.fetchAll(
                    sql: "SELECT * FROM complaint WHERE tenant_id = ? ORDER BY received_time DESC, id COLLATE \"C\"",
                    arguments: [tenant.description])
            } else {
                rows = try await db.fetchAll(sql: "SELECT * FROM complaint ORDER BY received_time DESC, id COLLATE \"C\"")
            }
            return try rows.map(self.complaintRecord)
        }
    }

    public func complaintCount(email: String, since: Int64) async throws -> Int {
        let hash = contactHash(email)
        return try await database.read { db in
            Int(
                try await db.fetchValue(
                    Int64.self, sql: "SELECT COUNT(*) FROM complaint WHERE email_hash = ? AND received_time >= ?",
                    arguments: [hash, since]) ?? 0)
        }
    }

    public func disclosures(of user: UserID) async throws -> [DisclosureRecord] {
        try await database.read { db in
            try await db.fetchAll(
                sql: "SELECT * FROM disclosure WHERE user_id = ? ORDER BY disclosed_time, id COLLATE \"C\"",
                arguments: [user.description]
            ).map(DisclosureRecord.init(row:))
        }
    }

    public func disclosures(tenant: TenantID?) async throws -> [DisclosureRecord] {
        try await database.read { db in
            let rows: [SQLRow]
            if let tenant {
                rows = try await db.fetchAll(
                    sql: "SELECT * FROM disclosure WHERE tenant_id = ? ORDER BY disclosed_time DESC, id COLLATE \"C\"",
                    arguments: [tenant.description])
            } else {
                rows = try await db.fetchAll(sql: "SELECT * FROM disclosure ORDER BY disclosed_time DESC, id COLLATE \"C\"")
            }
            return try rows.map(DisclosureRecord.init(row:))
        }
    }
}
