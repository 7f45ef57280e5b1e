import Foundation
import Logging
import NIOCore
import PostgresNIO
import StewardCore
import Synchronization

/// One leased connection, inside a transaction for writes, with a small GRDB-like surface: SQL with `?`
/// placeholders (numbered `$n` here, `?NNN` kept as `$NNN`), arguments as an array literal, rows read by column name.
/// The SQLite backend's statements port to it nearly word for word, so both backends read alike.
struct SQLConnection {
    let connection: PostgresConnection
    let logger: Logger

    /// Runs a statement; returns how many rows it inserted, updated or deleted.
    @discardableResult
    func execute(sql: String, arguments: SQLArguments = []) async throws -> Int {
        let result = try await connection.query(PostgresQuery(unsafeSQL: SQLText.numbered(sql), binds: arguments.bindings), logger: logger)
            .get()
        return result.metadata.rows ?? 0
    }

    /// Runs a query built with postgres-nio's interpolation (`"… WHERE id = \(id)"`); returns its rows.
    func query(_ query: PostgresQuery) async throws -> [SQLRow] {
        try await connection.query(query, logger: logger).get().rows.map(SQLRow.init)
    }

    func fetchAll(sql: String, arguments: SQLArguments = []) async throws -> [SQLRow] {
        try await connection.query(PostgresQuery(unsafeSQL: SQLText.numbered(sql), binds: arguments.bindings), logger: logger)
            .get().rows.map(SQLRow.init)
    }

    func fetchOne(sql: String, arguments: SQLArguments = []) async throws -> SQLRow? {
        try await fetchAll(sql: sql, arguments: arguments).first
    }

    /// The first column of the first row (nil without rows, or when it is NULL).
    func fetchValue<T: PostgresDecodable>(_ type: T.Type = T.self, sql: String, arguments: SQLArguments = []) async throws -> T?
    where T._DecodableType == T {
        guard let row = try await fetchOne(sql: sql, arguments: arguments) else { return nil }
        return try row.value(at: 0, as: T?.self)
    }

    /// The first column of every row (NULLs skipped).
    func fetchValues<T: PostgresDecodable>(_ type: T.Type = T.self, sql: String, arguments: SQLArguments = []) async throws -> [T]
    where T._DecodableType == T {
        try await fetchAll(sql: sql, arguments: arguments).compactMap { try $0.value(at: 0, as: T?.self) }
    }
}

/// A result row, read by column name: `let name: String = try row["name"]`.
struct SQLRow: Sendable {
    /// The cells, split once per row: `PostgresRow.makeRandomAccess()` walks every cell, so calling it per column
    /// made reading a row quadratic in its columns (the export's hot loop reads eight).
    let cells: PostgresRandomAccessRow

    init(_ row: PostgresRow) {
        self.cells = row.makeRandomAccess()
    }

    /// The column's value; a NULL reads as nil for optional types and as an error otherwise.
    subscript<T: PostgresDecodable>(_ column: String) -> T {
        get throws {
            // postgres-nio traps on an unknown column name; a typo in a query must be an error, not a crash.
            guard cells.contains(column) else {
                throw StewardError(.internal, "A PostgreSQL row has no column \(column)")
            }
            do {
                return try cells[column].decode(T.self)
            } catch {
                throw StewardError(.internal, "Column \(column) of a PostgreSQL row does not read as \(T.self): \(String(reflecting: error))")
            }
        }
    }

    /// A `bytea` column as bytes (nil when NULL).
    func bytes(_ column: String) throws -> [UInt8]? {
        let buffer: ByteBuffer? = try self[column]
        return buffer.map { Array($0.readableBytesView) }
    }

    func value<T: PostgresDecodable>(at index: Int, as type: T.Type) throws -> T {
        try cells[index].decode(T.self)
    }

    func contains(_ column: String) -> Bool {
        cells.contains(column)
    }
}

/// SQL text as the SQLite backend writes it, turned into PostgreSQL's numbered parameters.
enum SQLText {
    private static let cache = Mutex<[String: String]>([:])

    /// `?` → `$1`, `$2`, … in order; `?NNN` → `$NNN`. Question marks inside quotes are left alone.
    static func numbered(_ sql: String) -> String {
        if let cached = cache.withLock({ $0[sql] }) { return cached }
        var result = ""
        result.reserveCapacity(sql.utf8.count + 16)
        var next = 1
        var quote: Character? = nil
        var characters = sql.makeIterator()
        var pending: Character? = characters.next()
        while let character = pending {
            pending = characters.next()
            if let open = quote {
                result.append(character)
                if character == open { quote = nil }
                continue
            }
            switch character {
            case "'", "\"":
                quote = character
                result.append(character)
            case "?":
                var digits = ""
                while let digit = pending, digit.isASCII, digit.isNumber {
                    digits.append(digit)
                    pending = characters.next()
                }
                if digits.isEmpty {
                    result += "$\(next)"
                    next += 1
                } else {
                    result += "$" + digits
                }
            default:
                result.append(character)
            }
        }
        cache.withLock {
            if $0.count > 4_000 { $0.removeAll() }
            $0[sql] = result
        }
        return result
    }
}
