import StewardCore
import StewardStore

/// Diagnostics on PostgreSQL: `diagnostic_event`, `diagnostic_day` and `diagnostic_link` (schema version 2), with the
/// statements SQLite runs.
extension PostgresStore: DiagnosticsStore {
    public func recordDiagnostics(_ events: [DiagnosticEvent], days: [DiagnosticDay]) async throws {
        guard !events.isEmpty || !days.isEmpty else { return }
        try await database.write { db in
            for event in events {
                try await db.execute(
                    sql: DiagnosticsSQL.insertEvent,
                    arguments: [
                        event.id, event.time, event.method, event.route, event.status, event.durationMillis, event.browser, event.os,
                        event.appVersion, event.network,
                    ])
            }
            try await Self.addDays(db, days)
        }
    }

    public func linkDiagnostics(_ ids: [String], to user: UserID, at time: Int64) async throws -> [String] {
        guard !ids.isEmpty else { return [] }
        let wanted = Set(ids).sorted()
        return try await database.write { db in
            let existing = Set(
                try await db.fetchValues(String.self, sql: "SELECT id FROM diagnostic_event WHERE id = ANY(?)", arguments: [wanted]))
            let linked = wanted.filter(existing.contains)
            for id in linked {
                try await db.execute(sql: DiagnosticsSQL.link, arguments: [id, user.description, time])
            }
            return linked
        }
    }

    public func foldDiagnostics(before cutoff: Int64, limit: Int, dryRun: Bool) async throws -> RetentionStep {
        try RetentionStep.check(limit: limit)
        if dryRun { return try await countStep(DiagnosticsSQL.countFoldable, [cutoff], oldest: DiagnosticsSQL.oldestUnlinked, []) }
        return try await database.write { db in
            let events = try await db.fetchAll(sql: DiagnosticsSQL.foldBatch, arguments: [cutoff, limit]).map(Self.diagnosticEvent)
            try await Self.addDays(db, DiagnosticDay.fold(events))
            if !events.isEmpty {
                try await db.execute(sql: "DELETE FROM diagnostic_event WHERE id = ANY(?)", arguments: [events.map(\.id)])
            }
            return RetentionStep(
                changed: events.count, limit: limit, oldest: try await db.fetchValue(Int64.self, sql: DiagnosticsSQL.oldestUnlinked))
        }
    }

    public func expireDiagnosticDays(before cutoff: Int64, limit: Int, dryRun: Bool) async throws -> RetentionStep {
        try RetentionStep.check(limit: limit)
        let oldest = "SELECT MIN(day) FROM diagnostic_day"
        if dryRun { return try await countStep("SELECT COUNT(*) FROM diagnostic_day WHERE day < ?", [cutoff], oldest: oldest, []) }
        return try await database.write { db in
            // PostgreSQL has no rowid; a row's physical id names it within this transaction.
            let deleted = try await db.execute(
                sql: "DELETE FROM diagnostic_day WHERE ctid IN (SELECT ctid FROM diagnostic_day WHERE day < ? ORDER BY day LIMIT ?)",
                arguments: [cutoff, limit])
            return RetentionStep(changed: deleted, limit: limit, oldest: try await db.fetchValue(Int64.self, sql: oldest))
        }
    }

    public func linkedDiagnostics(of user: UserID) async throws -> [DiagnosticEvent] {
        try await database.read { db in
            try await db.fetchAll(
                sql: """
                    SELECT e.* FROM diagnostic_event e JOIN diagnostic_link l ON l.diagnostic_id = e.id
                    WHERE l.user_id = ? ORDER BY e.time, e.id
                    """, arguments: [user.description]
            ).map(Self.diagnosticEvent)
        }
    }

    public func diagnosticEvents(from: Int64, to: Int64, limit: Int) async throws -> [DiagnosticEvent] {
        try await database.read { db in
            try await db.fetchAll(
                sql: "SELECT * FROM diagnostic_event WHERE time >= ? AND time < ? ORDER BY time, id LIMIT ?", arguments: [from, to, limit]
            ).map(Self.diagnosticEvent)
        }
    }

    public func diagnosticDays(from: Int64, to: Int64) async throws -> [DiagnosticDay] {
        try await database.read { db in
            try await db.fetchAll(
                sql: """
                    SELECT * FROM diagnostic_day WHERE day >= ? AND day < ?
                    ORDER BY day, method COLLATE "C", route COLLATE "C", status, browser COLLATE "C", os COLLATE "C", app_version COLLATE "C"
                    """,
                arguments: [from, to]
            ).map { row in
                DiagnosticDay(
                    day: try row["day"], method: try row["method"], route: try row["route"], status: try row["status"],
                    browser: try row["browser"], os: try row["os"], appVersion: try row["app_version"], count: try row["count"],
                    durationSumMillis: try row["duration_sum_ms"], durationMaxMillis: try row["duration_max_ms"])
            }
        }
    }

    /// Adds daily rows to what each day already counts.
    static func addDays(_ db: SQLConnection, _ days: [DiagnosticDay]) async throws {
        for row in days {
            try await db.execute(
                sql: DiagnosticsSQL.addDay,
                arguments: [
                    row.day, row.method, row.route, row.status, row.browser, row.os, row.appVersion, row.count, row.durationSumMillis,
                    row.durationMaxMillis,
                ])
        }
    }

    static func diagnosticEvent(_ row: SQLRow) throws -> DiagnosticEvent {
        DiagnosticEvent(
            id: try row["id"], time: try row["time"], method: try row["method"], route: try row["route"], status: try row["status"],
            durationMillis: try row["duration_ms"], browser: try row["browser"], os: try row["os"], appVersion: try row["app_version"],
            network: try row["network"])
    }
}
