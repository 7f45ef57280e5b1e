import GRDB
import StewardCore
import StewardStore

/// Diagnostics on SQLite: `diagnostic_event`, `diagnostic_day` and `diagnostic_link` (migration v11).
extension SQLiteStore: DiagnosticsStore {
    public func recordDiagnostics(_ events: [DiagnosticEvent], days: [DiagnosticDay]) async throws {
        guard !events.isEmpty || !days.isEmpty else { return }
        try await pool.write { db in
            let insert = try db.cachedStatement(sql: DiagnosticsSQL.insertEvent)
            for event in events {
                try insert.execute(arguments: [
                    event.id, event.time, event.method, event.route, event.status, event.durationMillis, event.browser, event.os,
                    event.appVersion, event.network,
                ])
            }
            try Self.addDays(db, days)
        }
    }

    public func linkDiagnostics(_ ids: [String], to user: UserID, at time: Int64) async throws -> [String] {
        guard !ids.isEmpty else { return [] }
        return try await pool.write { db in
            var linked: [String] = []
            for id in Set(ids).sorted() where try Bool.fetchOne(db, sql: "SELECT 1 FROM diagnostic_event WHERE id = ?", arguments: [id]) != nil {
                try db.execute(sql: DiagnosticsSQL.link, arguments: [id, user.description, time])
                linked.append(id)
            }
            return linked
        }
    }

    public func foldDiagnostics(before cutoff: Int64, limit: Int, dryRun: Bool) async throws -> RetentionStep {
        try RetentionStep.check(limit: limit)
        if dryRun { return try await countStep(DiagnosticsSQL.countFoldable, [cutoff], oldest: DiagnosticsSQL.oldestUnlinked, []) }
        return try await pool.write { db in
            let events = try Row.fetchAll(db, sql: DiagnosticsSQL.foldBatch, arguments: [cutoff, limit]).map(Self.diagnosticEvent)
            try Self.addDays(db, DiagnosticDay.fold(events))
            let delete = try db.cachedStatement(sql: "DELETE FROM diagnostic_event WHERE id = ?")
            for event in events { try delete.execute(arguments: [event.id]) }
            return RetentionStep(changed: events.count, limit: limit, oldest: try Int64.fetchOne(db, sql: DiagnosticsSQL.oldestUnlinked))
        }
    }

    public func expireDiagnosticDays(before cutoff: Int64, limit: Int, dryRun: Bool) async throws -> RetentionStep {
        try RetentionStep.check(limit: limit)
        let oldest = "SELECT MIN(day) FROM diagnostic_day"
        if dryRun { return try await countStep("SELECT COUNT(*) FROM diagnostic_day WHERE day < ?", [cutoff], oldest: oldest, []) }
        return try await pool.write { db in
            try db.execute(
                sql: "DELETE FROM diagnostic_day WHERE rowid IN (SELECT rowid FROM diagnostic_day WHERE day < ? ORDER BY day LIMIT ?)",
                arguments: [cutoff, limit])
            return RetentionStep(changed: db.changesCount, limit: limit, oldest: try Int64.fetchOne(db, sql: oldest))
        }
    }

    public func linkedDiagnostics(of user: UserID) async throws -> [DiagnosticEvent] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT e.* FROM diagnostic_event e JOIN diagnostic_link l ON l.diagnostic_id = e.id
                    WHERE l.user_id = ? ORDER BY e.time, e.id
                    """, arguments: [user.description]
            ).map(Self.diagnosticEvent)
        }
    }

    public func diagnosticEvents(from: Int64, to: Int64, limit: Int) async throws -> [DiagnosticEvent] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM diagnostic_event WHERE time >= ? AND time < ? ORDER BY time, id LIMIT ?", arguments: [from, to, limit]
            ).map(Self.diagnosticEvent)
        }
    }

    public func diagnosticDays(from: Int64, to: Int64) async throws -> [DiagnosticDay] {
        try await pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM diagnostic_day WHERE day >= ? AND day < ? ORDER BY day, method, route, status, browser, os, app_version",
                arguments: [from, to]
            ).map { row in
                DiagnosticDay(
                    day: row["day"], method: row["method"], route: row["route"], status: row["status"], browser: row["browser"], os: row["os"],
                    appVersion: row["app_version"], count: row["count"], durationSumMillis: row["duration_sum_ms"],
                    durationMaxMillis: row["duration_max_ms"])
            }
        }
    }

    /// Adds daily rows to what each day already counts.
    static func addDays(_ db: Database, _ days: [DiagnosticDay]) throws {
        let upsert = try db.cachedStatement(sql: DiagnosticsSQL.addDay)
        for row in days {
            try upsert.execute(arguments: [
                row.day, row.method, row.route, row.status, row.browser, row.os, row.appVersion, row.count, row.durationSumMillis,
                row.durationMaxMillis,
            ])
        }
    }

    static func diagnosticEvent(_ row: Row) -> DiagnosticEvent {
        DiagnosticEvent(
            id: row["id"], time: row["time"], method: row["method"], route: row["route"], status: row["status"],
            durationMillis: row["duration_ms"], browser: row["browser"], os: row["os"], appVersion: row["app_version"],
            network: row["network"])
    }
}
