import Foundation
import NIOCore
import PostgresNIO
import StewardCore
import StewardStore
import StewardVault

/// The PostgreSQL store as the source or target of `TableCopy` (`steward db copy`, backups and restores): its rows
/// mapped to and from the neutral layout, which is SQLite's.
///
/// - Readings, latest values and attributes: the typed columns (`t`, `v_long`, `v_double`, `v_text`, `v_sealed`)
///   become `t` + `v` and back.
/// - Flags: boolean ↔ 0/1.
/// - Contact details: sealed bytes either way; an empty detail is `''` in SQLite and empty bytes here; one still in
///   the clear (a database written without a master key) is sealed on the way in.
/// - `session.row_seq`, `api_key.row_seq` (paging keys of this backend only) are left out and made anew.
extension PostgresStore: TableRowSource, TableRowTarget {
    static let valueTables: Set<String> = ["ts_kv", "ts_kv_latest", "attribute_kv"]

    public func rowCount(_ table: String) async throws -> Int {
        let name = try Self.copiedTable(table)
        return try await database.read { db in try await db.fetchValue(Int.self, sql: "SELECT count(*) FROM \"\(name)\"") ?? 0 }
    }

    public func scanRows(_ table: String, pageSize: Int, _ body: @Sendable ([TableRow]) async throws -> Void) async throws {
        let name = try Self.copiedTable(table)
        let opensValues = Self.valueTables.contains(name)
        try await database.longRead { connection, logger in
            let rows = try await connection.query(PostgresQuery(unsafeSQL: "SELECT * FROM \"\(name)\""), logger: logger)
            var page: [TableRow] = []
            page.reserveCapacity(pageSize)
            for try await row in rows {
                page.append(try Self.tableRow(row, values: opensValues))
                if page.count >= pageSize {
                    try await body(page)
                    page.removeAll(keepingCapacity: true)
                }
            }
            if !page.isEmpty { try await body(page) }
        }
    }

    /// A row in the neutral layout.
    static func tableRow(_ row: PostgresRow, values: Bool) throws -> TableRow {
        var result: TableRow = [:]
        var typed: [String: Sealing.Value] = [:]
        for cell in row {
            let name = cell.columnName
            if name == "row_seq" { continue }
            let value = try neutral(cell)
            if values, name.hasPrefix("v_") {
                typed[name] = value
            } else {
                result[name] = value
            }
        }
        if values {
            result["v"] = [typed["v_long"], typed["v_double"], typed["v_text"], typed["v_sealed"]]
                .compactMap { $0 }.first { $0 != .null } ?? .null
        }
        return result
    }

    static func neutral(_ cell: PostgresCell) throws -> Sealing.Value {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .bool: return .integer(try cell.decode(Bool.self) ? 1 : 0)
        case .int2: return .integer(Int64(try cell.decode(Int16.self)))
        case .int4: return .integer(Int64(try cell.decode(Int32.self)))
        case .int8: return .integer(try cell.decode(Int64.self))
        case .float8: return .real(try cell.decode(Double.self))
        case .bytea:
            let bytes = Array(try cell.decode(ByteBuffer.self).readableBytesView)
            return bytes.isEmpty && cell.columnName != "picture" ? .text("") : .bytes(bytes)
        default: return .text(try cell.decode(String.self))
        }
    }

    public func insertRows(_ table: String, _ rows: [TableRow]) async throws {
        let name = try Self.copiedTable(table)
        guard !rows.isEmpty else { return }
        let columns = try await tableColumns(name)
        let values = try rows.map { try targetValues($0, table: name, columns: columns) }
        // At most 65,535 parameters per statement.
        let perStatement = max(1, 60_000 / max(columns.count, 1))
        try await database.write { db in
            for start in stride(from: 0, to: values.count, by: perStatement) {
                let chunk = values[start..<min(start + perStatement, values.count)]
                let placeholders = chunk.map { _ in "(" + Array(repeating: "?", count: columns.count).joined(separator: ", ") + ")" }
                try await db.execute(
                    sql: """
                        INSERT INTO "\(name)" (\(columns.map { "\"\($0.name)\"" }.joined(separator: ", "))) OVERRIDING SYSTEM VALUE
                        VALUES \(placeholders.joined(separator: ", "))
                        """,
                    arguments: SQLArguments(chunk.flatMap { $0 }))
            }
        }
    }

    /// A neutral row's values for this table's columns, in their types.
    func targetValues(_ row: TableRow, table: String, columns: [TableColumn]) throws -> [(any SQLArgument)?] {
        var source = row
        if Self.valueTables.contains(table) {
            var t: Int64 = 0
            if case .integer(let tag)? = source["t"] { t = tag }
            let v = source["v"] ?? .null
            source["v_long"] = t == 1 || t == 2 ? v : .null
            source["v_double"] = t == 3 ? v : .null
            source["v_text"] = t == 4 || t == 5 ? v : .null
            source["v_sealed"] = t >= SealedReading.offset ? v : .null
        }
        return try columns.map { column in
            let value = source[column.name] ?? .null
            switch (column.type, value) {
            case (_, .null): return nil
            case ("boolean", .integer(let i)): return i != 0
            case ("smallint", .integer(let i)): return Int16(truncatingIfNeeded: i)
            case ("bigint", .integer(let i)), ("integer", .integer(let i)): return i
            case ("bigint", .real(let d)): return Int64(d)
            case ("double precision", .real(let d)): return d
            case ("double precision", .integer(let i)): return Double(i)
            case ("bytea", .bytes(let b)): return b
            case ("bytea", .text(let text)):
                // A contact detail still in the clear: sealed on the way (an empty one stays empty).
                let field = ContactField.column(table: table, column: column.name)
                var person: UserID? = nil
                if table == "user", case .text(let id)? = source["id"] { person = UserID(id) }
                if let field { return try sealContact(text, field, person: person) ?? [] }
                return Array(text.utf8)
            case ("text", .text(let s)): return s
            case ("text", .integer(let i)): return String(i)
            case ("text", .real(let d)): return String(d)
            default:
                throw StewardError.badRequest("Cannot copy \(value) into \(table).\(column.name) (\(column.type))")
            }
        }
    }

    public func finishCopy() async throws {
        try await database.write { db in
            let identities = try await db.fetchAll(
                sql: """
                    SELECT table_name::text AS table_name, column_name::text AS column_name FROM information_schema.columns
                    WHERE table_schema = current_schema() AND is_identity = 'YES'
                    """)
            for identity in identities {
                let table: String = try identity["table_name"]
                let column: String = try identity["column_name"]
                try await db.execute(
                    sql: """
                        SELECT setval(pg_get_serial_sequence(?, ?), COALESCE((SELECT max("\(column)") FROM "\(table)"), 0) + 1, false)
                        """,
                    arguments: ["\"\(table)\"", column])
            }
            // The audit chain goes on from the copied trail's last entry.
            if let last = try await db.fetchOne(sql: "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1") {
                let seq: Int64 = try last["seq"]
                let hash: String = try last["hash"]
                try await db.execute(sql: "UPDATE audit_head SET seq = ?, hash = ?", arguments: [seq, hash])
            }
        }
    }

    struct TableColumn: Sendable {
        var name: String
        var type: String
    }

    /// This table's copied columns and their types (identity paging keys left out).
    func tableColumns(_ table: String) async throws -> [TableColumn] {
        try await database.read { db in
            try await db.fetchAll(
                sql: """
                    SELECT column_name::text AS name, data_type::text AS type FROM information_schema.columns
                    WHERE table_schema = current_schema() AND table_name = ? AND column_name <> 'row_seq' ORDER BY ordinal_position
                    """, arguments: [table]
            ).map { TableColumn(name: try $0["name"], type: try $0["type"]) }
        }
    }

    static func copiedTable(_ table: String) throws -> String {
        guard TableCopy.tables.contains(table) else { throw StewardError.badRequest("\(table) is not a table Steward copies") }
        return table
    }

    /// Ids of every account (backups sweep keys of people no longer here).
    public func accountIDs() async throws -> Set<String> {
        try await database.read { db in Set(try await db.fetchValues(String.self, sql: "SELECT id FROM \"user\"")) }
    }
}

extension ContactField {
    /// The contact field a table's column holds (both backends keep them in the same places).
    static func column(table: String, column: String) -> ContactField? {
        switch (table, column) {
        case ("user", "email"): return .accountEmail
        case ("user", "phone"): return .accountPhone
        case ("user", "parent_email"): return .parentEmail
        case ("sign_in", "email"): return .signInEmail
        case ("mail_outbox", "recipient"): return .mailRecipient
        case ("mail_outbox", "text_body"): return .mailText
        case ("mail_outbox", "html_body"): return .mailHTML
        case ("dsr_request", "email"): return .requestEmail
        case ("complaint", "email"): return .complaintEmail
        default: return nil
        }
    }
}
