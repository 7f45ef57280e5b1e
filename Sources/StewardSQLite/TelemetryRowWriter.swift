import GRDB
import GRDBSQLite
import StewardCore

/// One reading ready for the `ts_kv` table.
struct TelemetryRow {
    var device: Int64
    var key: Int64
    var ts: Int64
    var value: KVValue
    /// The sealed value when the reading is sensitive and concerns a person (`SealedReadings`).
    var sealed: [UInt8]? = nil
}

/// The hot loop of the group commit: binds readings straight into cached multi-row statements with SQLite's C
/// API. Going through `StatementArguments` would allocate an array of `DatabaseValue`s per reading.
enum TelemetryRowWriter {
    /// Rows per INSERT statement; 5 parameters each keeps it well under SQLite's parameter limit.
    static let rowsPerStatement = 64

    static func insert(_ rows: [TelemetryRow], into db: Database) throws {
        try write(rows, into: db) { count in
            "INSERT OR REPLACE INTO ts_kv(device_seq, key_id, ts, t, v) VALUES "
                + Array(repeating: "(?, ?, ?, ?, ?)", count: count).joined(separator: ", ")
        }
    }

    static func upsertLatest(_ rows: [TelemetryRow], into db: Database) throws {
        try write(rows, into: db) { count in
            "INSERT INTO ts_kv_latest(device_seq, key_id, ts, t, v) VALUES "
                + Array(repeating: "(?, ?, ?, ?, ?)", count: count).joined(separator: ", ")
                + """
                 ON CONFLICT(device_seq, key_id) DO UPDATE SET ts = excluded.ts, t = excluded.t, v = excluded.v
                WHERE excluded.ts >= ts_kv_latest.ts
                """
        }
    }

    /// Writes full chunks with the `rowsPerStatement` statement and the rest one row at a time, so only two
    /// statements per table are ever prepared and cached.
    static func write(_ rows: [TelemetryRow], into db: Database, sql: (Int) -> String) throws {
        guard !rows.isEmpty else { return }
        var index = 0
        if rows.count >= rowsPerStatement {
            let chunk = try db.cachedStatement(sql: sql(rowsPerStatement))
            while index + rowsPerStatement <= rows.count {
                try run(chunk, rows[index..<index + rowsPerStatement], db: db)
                index += rowsPerStatement
            }
        }
        if index < rows.count {
            let single = try db.cachedStatement(sql: sql(1))
            while index < rows.count {
                try run(single, rows[index..<index + 1], db: db)
                index += 1
            }
        }
    }

    static func run(_ statement: Statement, _ rows: ArraySlice<TelemetryRow>, db: Database) throws {
        let handle = statement.sqliteStatement
        sqlite3_reset(handle)
        var parameter: Int32 = 1
        for row in rows {
            sqlite3_bind_int64(handle, parameter, row.device)
            sqlite3_bind_int64(handle, parameter + 1, row.key)
            sqlite3_bind_int64(handle, parameter + 2, row.ts)
            if let sealed = row.sealed {
                sqlite3_bind_int64(handle, parameter + 3, row.value.typeTag + SealedReadings.offset)
                sealed.withUnsafeBytes { bytes in
                    _ = sqlite3_bind_blob(handle, parameter + 4, bytes.baseAddress, Int32(bytes.count), transientDestructor)
                }
            } else {
                sqlite3_bind_int64(handle, parameter + 3, row.value.typeTag)
                bind(row.value, to: handle, at: parameter + 4)
            }
            parameter += 5
        }
        let code = sqlite3_step(handle)
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        guard code == SQLITE_DONE else {
            throw DatabaseError(
                resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)),
                sql: statement.sql)
        }
    }

    static func bind(_ value: KVValue, to handle: OpaquePointer, at index: Int32) {
        switch value {
        case .bool(let b): sqlite3_bind_int64(handle, index, b ? 1 : 0)
        case .long(let l): sqlite3_bind_int64(handle, index, l)
        case .double(let d): sqlite3_bind_double(handle, index, d)
        case .string(let s), .json(let s):
            var text = s
            text.withUTF8 { bytes in
                _ = bytes.withMemoryRebound(to: CChar.self) { chars in
                    sqlite3_bind_text(handle, index, chars.baseAddress, Int32(chars.count), transientDestructor)
                }
            }
        }
    }

    /// `SQLITE_TRANSIENT`: SQLite copies the bytes before the call returns.
    static let transientDestructor = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)
}
