import GRDB
import StewardCore
import StewardStore

extension SQLiteStore: RetentionStore {
    public func expire(_ record: RetainedRecord, before cutoff: Int64, limit: Int, dryRun: Bool) async throws -> RetentionStep {
        try RetentionStep.check(limit: limit)
        let sql = record.statements
        if dryRun { return try await countStep(sql.count, [cutoff], oldest: sql.oldest, []) }
        return try await pool.write { db in
            try db.execute(sql: sql.deleteBatch, arguments: [cutoff, limit])
            return RetentionStep(changed: db.changesCount, limit: limit, oldest: try Int64.fetchOne(db, sql: sql.oldest))
        }
    }

    public func anonymize(
        _ field: RetainedField, before cutoff: Int64, limit: Int, dryRun: Bool, _ transform: @escaping @Sendable (String) -> String
    ) async throws -> RetentionStep {
        try RetentionStep.check(limit: limit)
        let sql = field.statements
        if dryRun { return try await countStep(sql.count, [cutoff], oldest: sql.oldest, []) }
        return try await pool.write { db in
            let rows = try Row.fetchAll(db, sql: sql.batch, arguments: [cutoff, limit])
            for row in rows {
                let key: DatabaseValue = row[0]
                let value: String = row[1]
                try db.execute(sql: sql.update, arguments: [transform(value), key])
            }
            return RetentionStep(changed: rows.count, limit: limit, oldest: try Int64.fetchOne(db, sql: sql.oldest))
        }
    }

    public func pruneAudit(before cutoff: Int64, limit: Int, dryRun: Bool) async throws -> RetentionStep {
        try RetentionStep.check(limit: limit)
        if dryRun { return try await countStep(AuditPruning.countSQL, [cutoff, cutoff], oldest: AuditPruning.oldestSQL, []) }
        return try await pool.write { db in
            let removed = try AuditChain.prune(before: cutoff, limit: limit, key: self.auditKey, db)
            return RetentionStep(changed: removed, limit: limit, oldest: try Int64.fetchOne(db, sql: AuditPruning.oldestSQL))
        }
    }

    public func telemetrySeriesGroups() async throws -> [TelemetrySeriesGroup] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: ReadingRetentionSQL.groups).map {
                TelemetrySeriesGroup(profile: $0["profile"], key: $0["key"])
            }.sorted()
        }
    }

    public func expireReadings(
        _ group: TelemetrySeriesGroup, before cutoff: Int64, limit: Int, dryRun: Bool, foldingInto fold: ReadingFold?
    ) async throws -> RetentionStep {
        try RetentionStep.check(limit: limit)
        let sql = ReadingRetentionSQL.statements(profile: group.profile)
        let selection = ReadingRetentionSQL.arguments(group)
        if dryRun {
            return try await countStep(sql.count, StatementArguments(selection) + [cutoff], oldest: sql.oldest, StatementArguments(selection))
        }
        return try await pool.write { db in
            if let fold {
                // One writer: the folds and the delete see the same batch.
                let where_ = ReadingRetentionSQL.selection(profile: group.profile)
                try db.execute(
                    sql: Self.foldBatchSQL(selection: where_),
                    arguments: [fold.category, group.key] + StatementArguments(selection) + [cutoff, limit])
                for width in fold.rollUps ? RollupWidth.allCases : [] {
                    try db.execute(
                        sql: ReadingRollups.sqliteFill(width, selection: where_), arguments: StatementArguments(selection) + [cutoff, limit])
                }
            }
            try db.execute(sql: sql.deleteBatch, arguments: StatementArguments(selection) + [cutoff, limit])
            let deleted = db.changesCount
            try db.execute(sql: sql.deleteLatest, arguments: StatementArguments(selection) + [cutoff])
            return RetentionStep(
                changed: deleted, limit: limit, oldest: try Int64.fetchOne(db, sql: sql.oldest, arguments: StatementArguments(selection)))
        }
    }

    public func expireAttributes(_ group: TelemetrySeriesGroup, before cutoff: Int64, dryRun: Bool) async throws -> RetentionStep {
        let sql = ReadingRetentionSQL.attributeStatements(profile: group.profile)
        let selection = StatementArguments(ReadingRetentionSQL.arguments(group))
        if dryRun { return try await countStep(sql.count, selection + [cutoff], oldest: sql.oldest, selection) }
        return try await pool.write { db in
            try db.execute(sql: sql.delete, arguments: selection + [cutoff])
            return RetentionStep(affected: db.changesCount, more: false, oldest: try Int64.fetchOne(db, sql: sql.oldest, arguments: selection))
        }
    }

    public func expireRollups(_ group: TelemetrySeriesGroup, width: RollupWidth, before cutoff: Int64, limit: Int, dryRun: Bool)
        async throws -> RetentionStep
    {
        try RetentionStep.check(limit: limit)
        let sql = ReadingRollups.expireStatements(selection: ReadingRetentionSQL.selection(profile: group.profile))
        let selection = [width.rawValue] + StatementArguments(ReadingRetentionSQL.arguments(group))
        if dryRun { return try await countStep(sql.count, selection + [cutoff], oldest: sql.oldest, selection) }
        return try await pool.write { db in
            try db.execute(sql: sql.deleteBatch, arguments: selection + [cutoff, limit])
            return RetentionStep(changed: db.changesCount, limit: limit, oldest: try Int64.fetchOne(db, sql: sql.oldest, arguments: selection))
        }
    }

    /// Adds a batch of readings (parameters: category, key, the selection's, cutoff, limit) to the daily statistics
    /// per tenant: numeric readings only; a sealed one (a sensitive category, which the declaration deletes instead)
    /// is never opened here.
    static func foldBatchSQL(selection: String) -> String {
        """
        INSERT INTO statistic(tenant_id, category, key, day, count, sum, min, max)
        SELECT d.tenant_id, ?, ?, b.ts / 86400000, COUNT(*), SUM(b.v), MIN(b.v), MAX(b.v)
        FROM (\(ReadingRetentionSQL.batch(selection: selection, values: ", r.t, r.v"))) b JOIN device d ON d.seq = b.device_seq
        WHERE b.t IN (2, 3) AND b.v IS NOT NULL
        GROUP BY d.tenant_id, b.ts / 86400000
        ON CONFLICT(tenant_id, category, key, day) DO UPDATE SET
            count = count + excluded.count, sum = sum + excluded.sum,
            min = MIN(min, excluded.min), max = MAX(max, excluded.max)
        """
    }

    /// A dry run's step: how many records the count finds, and the oldest there is.
    func countStep(
        _ count: String, _ countArguments: StatementArguments, oldest: String, _ oldestArguments: StatementArguments
    ) async throws -> RetentionStep {
        try await pool.read { db in
            RetentionStep(
                affected: try Int.fetchOne(db, sql: count, arguments: countArguments) ?? 0, more: false,
                oldest: try Int64.fetchOne(db, sql: oldest, arguments: oldestArguments))
        }
    }
}
