import Foundation
import GRDB
import StewardCore
import StewardStore
import StewardVault
import Synchronization

/// The SQLite store as the source or target of `TableCopy` (`steward db copy`, backups of a PostgreSQL installation):
/// rows in their own layout, which is the neutral one, paged by `rowid`.
extension SQLiteStore: TableRowSource, TableRowTarget {
    public func rowCount(_ table: String) async throws -> Int {
        let name = try Self.copiedTable(table)
        return try await pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM \"\(name)\"") ?? 0 }
    }

    public func scanRows(_ table: String, pageSize: Int, _ body: @Sendable ([TableRow]) async throws -> Void) async throws {
        let name = try Self.copiedTable(table)
        // Tables WITHOUT ROWID (readings, latest values) page by their primary key, the others by rowid.
        let key = try await pool.read { db -> [String] in
            let definition = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", arguments: [name]) ?? ""
            guard definition.uppercased().contains("WITHOUT ROWID") else { return ["rowid"] }
            return try Row.fetchAll(db, sql: "SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk", arguments: [name])
                .map { $0["name"] }
        }
        let keyList = key.map { "\"\($0)\"" }.joined(separator: ", ")
        let selected = key == ["rowid"] ? "rowid AS steward_rowid, *" : "*"
        var cursor: [DatabaseValue]? = nil
        while true {
            let after = cursor
            let page = try await pool.read { db -> (rows: [TableRow], last: [DatabaseValue]?) in
                var sql = "SELECT \(selected) FROM \"\(name)\""
                var arguments = StatementArguments()
                if let after {
                    sql += " WHERE (\(keyList)) > (\(Array(repeating: "?", count: after.count).joined(separator: ", ")))"
                    arguments = StatementArguments(after)
                }
                sql += " ORDER BY \(keyList) LIMIT \(pageSize)"
                let rows = try Row.fetchAll(db, sql: sql, arguments: arguments)
                var result: [TableRow] = []
                result.reserveCapacity(rows.count)
                for row in rows {
                    var values: TableRow = [:]
                    for (column, value) in row where column != "steward_rowid" {
                        values[column] = BackupCipher.vaultValue(value)
                    }
                    result.append(values)
                }
                let last = rows.last.map { row in key.map { row[$0 == "rowid" ? "steward_rowid" : $0] as DatabaseValue } }
                return (result, last)
            }
            guard let last = page.last else { return }
            try await body(page.rows)
            cursor = last
        }
    }

    public func insertRows(_ table: String, _ rows: [TableRow]) async throws {
        let name = try Self.copiedTable(table)
        guard !rows.isEmpty else { return }
        try await pool.write { db in
            let columns = try db.columns(in: name).map(\.name)
            let statement = try db.makeStatement(
                sql: "INSERT INTO \"\(name)\" (\(columns.map { "\"\($0)\"" }.joined(separator: ", "))) VALUES (\(Array(repeating: "?", count: columns.count).joined(separator: ", ")))")
            for row in rows {
                try statement.execute(arguments: StatementArguments(columns.map { BackupCipher.databaseValue(row[$0] ?? .null) }))
            }
        }
    }

    public func finishCopy() async throws {}

    /// `table` if it is one `TableCopy` moves (names are spliced into SQL, so only those).
    static func copiedTable(_ table: String) throws -> String {
        guard TableCopy.tables.contains(table) else { throw StewardError.badRequest("\(table) is not a table Steward copies") }
        return table
    }

    /// Checkpoints the write-ahead log into the database file and closes it (a copy made for a backup, before the
    /// file is sealed through another connection).
    public func close() throws {
        try pool.pool.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
        try pool.pool.close()
    }

    /// Seals a plain copy of a Steward database at `plainCopy` (SQLite's online backup of itself, or a `TableCopy` from
    /// another backend) into the backup file `path`: every person's data with their key, then vacuumed so no clear
    /// page remains. The plain copy is consumed either way. Returns how many accounts it holds.
    public static func sealBackup(plainCopy: String, to path: String, keys: any PersonKeys) throws -> Int {
        defer {
            for leftover in [plainCopy, plainCopy + "-wal", plainCopy + "-shm", plainCopy + "-journal"] {
                try? FileManager.default.removeItem(atPath: leftover)
            }
        }
        let partial = path + ".partial"
        try? FileManager.default.removeItem(atPath: partial)
        try FileManager.default.moveItem(atPath: plainCopy, toPath: partial)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: partial)
        do {
            let destination = try DatabaseQueue(path: partial)
            let people = try destination.writeWithoutTransaction { db -> Int in
                try db.execute(sql: "PRAGMA journal_mode = DELETE")
                try db.execute(sql: "PRAGMA secure_delete = ON")
                try db.inTransaction {
                    try BackupCipher.encrypt(db, keys: keys)
                    return .commit
                }
                try db.execute(sql: "VACUUM")
                return try Int.fetchOne(db, sql: "SELECT count(*) FROM user") ?? 0
            }
            try destination.close()
            try FileManager.default.moveItem(atPath: partial, toPath: path)
            return people
        } catch {
            for leftover in [partial, partial + "-journal", partial + "-wal", partial + "-shm"] {
                try? FileManager.default.removeItem(atPath: leftover)
            }
            throw error
        }
    }
}
