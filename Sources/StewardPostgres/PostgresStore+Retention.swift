import StewardCore
import StewardStore

extension PostgresStore: RetentionStore {
    public func expire(_ record: RetainedRecord, before cutoff: Int64, limit: Int, dryRun: Bool) async throws -> RetentionStep {
        try RetentionStep.check(limit: limit)
        let sql = record.statements
        if dryRun { return try await countStep(sql.count, [cutoff], oldest: sql.oldest, []) }
        return try await database.write { db in
            let deleted = try await db.execute(sql: sql.deleteBatch, arguments: [cutoff, limit])
            return RetentionStep(changed: deleted, limit: limit, oldest: try await db.fetchValue(Int64.self, sql: sql.oldest))
        }
    }

    public func anonymize(
        _ field: RetainedField, before cutoff: Int64, limit: Int, dryRun: Bool, _ transform: @escaping @Sendable (String) -> String
    ) async throws -> RetentionStep {
        try RetentionStep.check(limit: limit)
        let sql = field.statements
        if dryRun { return try await countStep(sql.count, [cutoff], oldest: sql.oldest, []) }
        let integerKey = field.layout.integerKey
        return try await database.write { db in
            let rows = try await db.fetchAll(sql: sql.batch, arguments: [cutoff, limit])
            for row in rows {
                let value = try row.value(at: 1, as: String.self)
                let key: any SQLArgument = integerKey ? try row.value(at: 0, as: Int64.self) : try row.value(at: 0, as: String.self)
                _ = try await db.execute(sql: sql.update, arguments: [transform(value), key])
            }
            return RetentionStep(changed: rows.count, limit: limit, oldest: try await db.fetchValue(Int64.self, sql: sql.oldest))
        }
    }

    public func pruneAudit(before cutoff: Int64, limit: Int, dryRun: Bool) async throws -> RetentionStep {
        try RetentionStep.check(limit: limit)
        if dryRun { return try await countStep(AuditPruning.countSQL, [cutoff, cutoff], oldest: AuditPruning.oldestSQL, []) }
        return try await database.write { db in
            let removed = try await PostgresAuditChain.prune(before: cutoff, limit: limit, key: self.auditKey, db)
            return RetentionStep(changed: removed, limit: limit, oldest: try await db.fetchValue(Int64.self, sql: AuditPruning.oldestSQL))
        }
    }

    public func telemetrySeriesGroups() async throws -> [TelemetrySeriesGroup] {
        try await database.read { db in
            try await db.fetchAll(sql: ReadingRetentionSQL.groups).map {
                TelemetrySeriesGroup(profile: try $0["profile"], key: try $0["key"])
            }.sorted()
        }
    }

    public func expireReadings(
        _ group: TelemetrySeriesGroup, before cutoff: Int64, limit: Int, dryRun: Bool, foldingInto fold: ReadingFold?
    ) async throws -> RetentionStep {
        try RetentionStep.check(limit: limit)
        let sql = ReadingRetentionSQL.statements(profile: group.profile)
        let selection = SQLArguments(ReadingRetentionSQL.arguments(group).map { $0 as (any SQLArgument)? })
        if dryRun { return try await countStep(sql.count, selection + [cutoff], oldest: sql.oldest, selection) }
        return try await database.write { db in
            let deleted: Int
            if let fold {
                // One statement deletes the batch and folds exactly the rows it deleted, whatever other writers do.
                deleted = Int(
                    try await db.fetchValue(
                        Int64.self,
                        sql: Self.foldBatchSQL(selection: ReadingRetentionSQL.selection(profile: group.profile), rollUps: fold.rollUps),
                        arguments: selection + [cutoff, limit, fold.category, group.key]) ?? 0)
            } else {
                deleted = try await db.execute(sql: sql.deleteBatch, arguments: selection + [cutoff, limit])
            }
            _ = try await db.execute(sql: sql.deleteLatest, arguments: selection + [cutoff])
            return RetentionStep(
                changed: deleted, limit: limit, oldest: try await db.fetchValue(Int64.self, sql: sql.oldest, arguments: selection))
        }
    }

    /// Deletes a batch of readings (parameters: the selection's, cutoff, limit, category, key) and adds the numeric
    /// ones to the daily statistics per tenant; answers how many readings were deleted.
    static func foldBatchSQL(selection: String, rollUps: Bool) -> String {
        let rollups = rollUps ? RollupWidth.allCases.map { ReadingRollups.postgresFill($0, name: "rollup_\($0.rawValue)") + "," } : []
        return """
        WITH gone AS (
          DELETE FROM ts_kv WHERE (device_seq, key_id, ts) IN (\(ReadingRetentionSQL.batch(selection: selection)))
          RETURNING device_seq, key_id, ts, t, COALESCE(v_double, v_long::float8) AS x),
        \(rollups.joined(separator: "\n"))
        folded AS (
          INSERT INTO statistic(tenant_id, category, key, day, count, sum, min, max)
          SELECT d.tenant_id, ?::text, ?::text, g.ts / 86400000, COUNT(*), SUM(g.x), MIN(g.x), MAX(g.x)
          FROM gone g JOIN device d ON d.seq = g.device_seq WHERE g.t IN (2, 3)
          GROUP BY d.tenant_id, g.ts / 86400000
          ON CONFLICT (tenant_id, category, key, day) DO UPDATE SET
            count = statistic.count + excluded.count, sum = statistic.sum + excluded.sum,
            min = LEAST(statistic.min, excluded.min), max = GREATEST(statistic.max, excluded.max)
          RETURNING 1)
        SELECT count(*) FROM gone
        """
    }

    public func expireAttributes(_ group: TelemetrySeriesGroup, before cutoff: Int64, dryRun: Bool) async throws -> RetentionStep {
        let sql = ReadingRetentionSQL.attributeStatements(profile: group.profile)
        let selection = SQLArguments(ReadingRetentionSQL.arguments(group).map { $0 as (any SQLArgument)? })
        if dryRun { return try await countStep(sql.count, selection + [cutoff], oldest: sql.oldest, selection) }
        return try await database.write { db in
            let deleted = try await db.execute(sql: sql.delete, arguments: selection + [cutoff])
            return RetentionStep(
                affected: deleted, more: false, oldest: try await db.fetchValue(Int64.self, sql: sql.oldest, arguments: selection))
        }
    }

    public func expireRollups(_ group: TelemetrySeriesGroup, width: RollupWidth, before cutoff: Int64, limit: Int, dryRun: Bool)
        async throws -> RetentionStep
    {
        try RetentionStep.check(limit: limit)
        let sql = ReadingRollups.expireStatements(selection: ReadingRetentionSQL.selection(profile: group.profile))
        let selection: SQLArguments = [width.rawValue] + SQLArguments(ReadingRetentionSQL.arguments(group).map { $0 as (any SQLArgument)? })
        if dryRun { return try await countStep(sql.count, selection + [cutoff], oldest: sql.oldest, selection) }
        return try await database.write { db in
            let deleted = try await db.execute(sql: sql.deleteBatch, arguments: selection + [cutoff, limit])
            return RetentionStep(
                changed: deleted, limit: limit, oldest: try await db.fetchValue(Int64.self, sql: sql.oldest, arguments: selection))
        }
    }

    /// A dry run's step: how many records the count finds, and the oldest there is.
    func countStep(_ count: String, _ countArguments: SQLArguments, oldest: String, _ oldestArguments: SQLArguments) async throws
        -> RetentionStep
    {
        try await database.read { db in
            RetentionStep(
                affected: Int(try await db.fetchValue(Int64.self, sql: count, arguments: countArguments) ?? 0), more: false,
                oldest: try await db.fetchValue(Int64.self, sql: oldest, arguments: oldestArguments))
        }
    }
}
