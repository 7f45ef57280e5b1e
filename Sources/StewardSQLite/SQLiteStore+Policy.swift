import Foundation
import GRDB
import StewardCore
import StewardStore

/// Reads behind policy-change notices and marketing announcements.
extension SQLiteStore {
    public func policyVersions() async throws -> [PolicyVersionRecord] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM policy_version ORDER BY seq").map { row in
                PolicyVersionRecord(
                    version: row["version"], effectiveDate: row["effective_date"], material: row["material"],
                    narrowsRights: row["narrows_rights"], summary: row["summary"], rights: Self.list(row["rights"]),
                    processors: Self.list(row["processors"]), loadedTime: row["loaded_time"])
            }
        }
    }

    public func lastAnnouncement() async throws -> AnnouncementRecord? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM announcement ORDER BY seq DESC LIMIT 1").map {
                AnnouncementRecord(time: $0["time"], subject: $0["subject"], sent: $0["sent"], skipped: $0["skipped"])
            }
        }
    }

    public func activeAccounts() async throws -> [AccountRecord] {
        try await pool.read { db in
            try self.openedRows(Self.userColumns, db, sql: "SELECT * FROM user WHERE status = 'active' ORDER BY created_time, id")
                .map(AccountRecord.init(row:))
        }
    }

    public func accountHolders() async throws -> [AccountRecord] {
        try await pool.read { db in
            try self.openedRows(Self.userColumns, db, sql: "SELECT * FROM user WHERE status NOT IN ('awaiting-email', 'awaiting-parent') ORDER BY created_time, id"
            ).map(AccountRecord.init(row:))
        }
    }

    /// A list of strings as a JSON array, for list columns that are only ever read whole.
    static func jsonList(_ items: [String]) -> String {
        JSONValue.array(items.map { .string($0) }).serialized
    }

    static func list(_ text: String) -> [String] {
        guard case .array(let items)? = try? JSONParser.parse(Array(text.utf8)) else { return [] }
        return items.compactMap(\.stringValue)
    }
}
