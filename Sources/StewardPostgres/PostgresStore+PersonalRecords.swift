import Foundation
import PostgresNIO
import StewardCore
import StewardStore
import StewardVault

/// Where each kind of record about a person is stored on PostgreSQL: read page by page by a real key (SQLite pages by
/// `rowid`, which PostgreSQL has not), so a person with millions of audit or usage entries is exported in flat memory.
/// The columns, their names and their order are SQLite's, so an access report reads the same on both backends.
struct PostgresPersonalRecordQuery: Sendable {
    var kind: PersonalRecordKind
    /// The selected expressions, each named by what follows its last ` AS ` or `.` (as SQLite names columns).
    var select: [String]
    /// `table WHERE …` with the person's parameters.
    var from: String
    /// The paging key: an increasing `bigint` per row.
    var key: String
    /// The person's parameters from their id and the lookup hash of their address.
    var arguments: @Sendable (_ id: String, _ emailHash: String) -> SQLArguments
    /// Sealed columns of the select list, by the name they are selected under; opened before they are shown.
    var sealed: [String: ContactField] = [:]

    /// The table's column names, known without a row (a person may have no records of a kind).
    var columns: [String] {
        select.map { expression in
            if let alias = expression.range(of: " AS ", options: .backwards) { return String(expression[alias.upperBound...]) }
            return String(expression.split(separator: ".").last ?? Substring(expression))
        }
    }

    static let all: [PostgresPersonalRecordQuery] = [
        // One row: the account. Its key is a constant, as `"user".id` is text and the cursor a number.
        PostgresPersonalRecordQuery(
            kind: .profile,
            select: [
                "u.id AS account_id", "u.email", "u.first_name", "u.last_name", "u.company", "u.phone", "u.authority",
                "(SELECT t.name FROM tenant t WHERE t.id = u.tenant_id) AS tenant", "u.jurisdiction AS country", "u.age_basis",
                "u.parent_email", "u.status", "u.created_time", "u.email_verified_time", "u.second_factor",
                "u.picture IS NOT NULL AS has_picture", "COALESCE(u.origin, 'unknown') AS source",
            ],
            from: "\"user\" u WHERE u.id = ?", key: "1::bigint", arguments: { id, _ in [id] },
            sealed: ["email": .accountEmail, "phone": .accountPhone, "parent_email": .parentEmail]),
        PostgresPersonalRecordQuery(
            kind: .consents, select: ["time", "purpose", "state", "method", "policy_version", "notice_hash", "client", "network"],
            from: "consent_event WHERE subject = ?", key: "seq", arguments: { id, _ in ["user:\(id)"] }),
        PostgresPersonalRecordQuery(
            kind: .policyAgreements, select: ["time", "policy_version", "method", "ip", "client"],
            from: "policy_agreement WHERE user_id = ?", key: "id", arguments: { id, _ in [id] }),
        PostgresPersonalRecordQuery(
            kind: .signIns, select: ["time", "email", "outcome", "new_place", "ip", "client"],
            from: "sign_in WHERE (user_id = ? OR email_hash = ?)", key: "id",
            arguments: { id, emailHash in [id, emailHash] }, sealed: ["email": .signInEmail]),
        PostgresPersonalRecordQuery(
            kind: .sessions, select: ["id", "kind", "stage", "created_time", "last_seen_time", "expires_time", "revoked_time", "ip", "client"],
            from: "session WHERE user_id = ?", key: "row_seq", arguments: { id, _ in [id] }),
        PostgresPersonalRecordQuery(
            kind: .apiKeys, select: ["id", "prefix", "name", "role", "created_time", "last_used_time", "last_used_ip", "revoked_time"],
            from: "api_key WHERE user_id = ?", key: "row_seq", arguments: { id, _ in [id] }),
        PostgresPersonalRecordQuery(
            kind: .audit,
            select: ["seq", "time", "event", "detail", "credential", "ip", "actor_id = ?1 AS by_you", "subject_id = ?1 AS about_you"],
            from: "audit_log WHERE (subject_id = ?1 OR actor_id = ?1) AND event <> 'api.write'", key: "seq",
            arguments: { id, _ in [id] }),
        PostgresPersonalRecordQuery(
            kind: .usage, select: ["time", "credential", "detail", "ip"], from: "audit_log WHERE actor_id = ? AND event = 'api.write'",
            key: "seq", arguments: { id, _ in [id] }),
        PostgresPersonalRecordQuery(
            kind: .mail, select: ["created_time", "subject", "sent_time", "attempts", "last_error"],
            from: "mail_outbox WHERE recipient_hash = ?", key: "id", arguments: { _, emailHash in [emailHash] }),
        // `diagnostic_event` has no numeric key: the person's linked records are numbered by time, then reference.
        PostgresPersonalRecordQuery(
            kind: .diagnostics,
            select: [
                "d.id AS reference", "d.time", "d.method", "d.route", "d.status", "d.duration_ms", "d.browser", "d.os", "d.app_version",
                "d.network", "d.linked_time",
            ],
            from: """
                (SELECT e.*, l.time AS linked_time, ROW_NUMBER() OVER (ORDER BY e.time, e.id) AS n
                 FROM diagnostic_event e JOIN diagnostic_link l ON l.diagnostic_id = e.id WHERE l.user_id = ?) d WHERE TRUE
                """, key: "d.n", arguments: { id, _ in [id] }),
    ]

    /// The query of a kind; every kind has one (checked by the contract, which pages through each).
    static func of(_ kind: PersonalRecordKind) -> PostgresPersonalRecordQuery {
        all.first { $0.kind == kind }!
    }
}

extension PostgresStore {
    public func personalRecords(
        _ kind: PersonalRecordKind, of user: UserID, after cursor: Int64?, limit: Int
    ) async throws -> (table: PersonalTable, next: Int64?) {
        try await database.read { db in
            let (spec, arguments) = try await Self.personalRecordQuery(db, kind, user)
            // The page's own parameters are numbered after the person's, which some specs number themselves (`?1`).
            let n = arguments.values.count
            let (table, last) = try await self.page(
                db, spec,
                sql: """
                    SELECT \(spec.key) AS _rid, \(spec.select.joined(separator: ", ")) FROM \(spec.from)
                    AND \(spec.key) > ?\(n + 1) ORDER BY _rid LIMIT ?\(n + 2)
                    """,
                arguments: arguments + [cursor ?? Int64.min, limit])
            return (table, table.rows.count < limit ? nil : last)
        }
    }

    public func newestPersonalRecords(_ kind: PersonalRecordKind, of user: UserID, limit: Int) async throws -> (table: PersonalTable, total: Int) {
        try await database.read { db in
            let (spec, arguments) = try await Self.personalRecordQuery(db, kind, user)
            let n = arguments.values.count
            var (table, _) = try await self.page(
                db, spec,
                sql: """
                    SELECT \(spec.key) AS _rid, \(spec.select.joined(separator: ", ")) FROM \(spec.from)
                    ORDER BY _rid DESC LIMIT ?\(n + 1)
                    """,
                arguments: arguments + [limit])
            table.rows.reverse()
            let total = try await db.fetchValue(Int64.self, sql: "SELECT COUNT(*) FROM \(spec.from)", arguments: arguments) ?? 0
            return (table, Int(total))
        }
    }

    /// The spec of a kind and its arguments for this person; notFound once the account is gone.
    static func personalRecordQuery(
        _ db: SQLConnection, _ kind: PersonalRecordKind, _ user: UserID
    ) async throws -> (PostgresPersonalRecordQuery, SQLArguments) {
        let spec = PostgresPersonalRecordQuery.of(kind)
        let id = user.description
        guard let emailHash = try await db.fetchValue(String.self, sql: "SELECT email_hash FROM \"user\" WHERE id = ?", arguments: [id]) else {
            throw StewardError.notFound("No account with id \(id); it may already have been erased")
        }
        return (spec, spec.arguments(id, emailHash))
    }

    /// Rows of one query as a table; the first column (`_rid`) is the paging key, not part of the table.
    /// Sealed columns are opened.
    func page(
        _ db: SQLConnection, _ spec: PostgresPersonalRecordQuery, sql: String, arguments: SQLArguments
    ) async throws -> (PersonalTable, Int64?) {
        let columns = spec.columns
        let sealed = columns.map { spec.sealed[$0] }
        var rows: [[JSONValue]] = []
        var last: Int64?
        for row in try await db.fetchAll(sql: sql, arguments: arguments) {
            let cells = row.cells
            last = try cells[0].decode(Int64.self)
            rows.append(
                try (1..<cells.count).map { index in
                    let cell = cells[index]
                    guard let field = sealed[index - 1] else { return try Self.json(cell) }
                    guard let bytes = cell.bytes else { return .null }
                    return .string(try openContact(Array(bytes.readableBytesView), field))
                })
        }
        return (PersonalTable(name: spec.kind.rawValue, columns: columns, rows: rows), last)
    }

    /// A cell as SQLite's report shows the same column: numbers as numbers, flags as 1 and 0 (SQLite has no
    /// booleans), text as text, bytes as their count.
    static func json(_ cell: PostgresCell) throws -> JSONValue {
        guard let bytes = cell.bytes else { return .null }
        switch cell.dataType {
        case .int2: return .number(String(try cell.decode(Int16.self)))
        case .int4: return .number(String(try cell.decode(Int32.self)))
        case .int8: return .number(String(try cell.decode(Int64.self)))
        case .float4, .float8: return .number(KVValue.format(try cell.decode(Double.self)))
        case .bool: return .number(try cell.decode(Bool.self) ? "1" : "0")
        case .bytea: return .string("\(bytes.readableBytes) bytes")
        default: return .string(try cell.decode(String.self))
        }
    }
}
