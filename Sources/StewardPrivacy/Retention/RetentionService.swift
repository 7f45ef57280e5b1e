import StewardAuth
import StewardCore
import StewardStore

/// Applies the declaration's retention periods (promise MB-14): for each category whose records Steward sweeps, every
/// record older than the period goes, in batches small enough that nothing waits long behind one, and the run is
/// written to the audit trail. Categories kept for the account's lifetime are left alone and say so (MS-11).
public struct RetentionService: Sendable {
    /// The records each category's retention governs. A category not listed here is reported as not swept yet.
    public static let sweptRecords: [String: [RetainedRecord]] = [
        "user.authorization.session": [.sessions, .oneTimeTokens],
        "user.account.sign_in_history": [.signIns, .addressLocks],
        "user.communication.mail": [.mail],
        "user.privacy_request": [.closedRequests, .complaints],
        "user.disclosure_record": [.disclosures],
    ]

    /// The columns each category's retention governs inside rows that stay: emptied after the period, or, where the
    /// rule is `anonymize`, an address replaced by its network (IPv4 /24, IPv6 /48).
    public static let sweptFields: [String: [RetainedField]] = [
        "user.device.ip_address": [.sessionAddress, .apiKeyAddress, .agreementAddress, .auditAddress],
        "user.device.client": [.sessionClient, .agreementClient, .consentClient],
    ]

    /// The category of the audit trail, whose prefix the run prunes.
    public static let auditCategory = "system.audit"

    static func replacement(for field: RetainedField, rule: RetentionRule.Outcome) -> @Sendable (String) -> String {
        switch (field, rule) {
        case (.sessionAddress, .anonymize), (.apiKeyAddress, .anonymize), (.agreementAddress, .anonymize), (.auditAddress, .anonymize):
            return { AddressNetwork.of($0) }
        default:
            return { _ in "" }
        }
    }

    let store: any RetentionStore
    let identity: any IdentityStore
    let declaration: PrivacyDeclaration
    /// The sweep of accounts that never opened, when the run includes it (the server's and the CLI's do).
    let unopened: UnopenedAccountSweeper?
    /// The request and error records kept apart from identity (MS-4), when the run folds them (`user.diagnostics`).
    let diagnostics: DiagnosticsService?
    let now: @Sendable () -> Int64
    /// Records per transaction.
    let batchSize: Int
    /// Rest between batches, as a multiple of the batch's own time.
    let pacing: Double

    public init(
        store: any RetentionStore, identity: any IdentityStore, declaration: PrivacyDeclaration, unopened: UnopenedAccountSweeper? = nil,
        diagnostics: DiagnosticsService? = nil,
        now: @escaping @Sendable () -> Int64 = WallClock.nowMillis, batchSize: Int = 2_000, pacing: Double = 4
    ) {
        self.store = store
        self.identity = identity
        self.declaration = declaration
        self.unopened = unopened
        self.diagnostics = diagnostics
        self.now = now
        self.batchSize = batchSize
        self.pacing = pacing
    }

    /// Runs every declared period once. A dry run deletes nothing and writes no audit entry; a run that deleted
    /// records is recorded as `retention.run` with `credential` (`retention` for the server's job, `cli` for the
    /// command) and a line per category.
    /// Cancellation stops it between batches, never inside one.
    public func run(dryRun: Bool, credential: String) async throws -> RetentionReport {
        let time = now()
        let groups = try await store.telemetrySeriesGroups()
        let mapping = declaration.telemetry
        var rows: [RetentionReport.Row] = []
        // Whole months first where the backend partitions readings, so the row-by-row sweep below finds less to do. A
        // dry run leaves them to the per-category counts, which include their readings.
        if !dryRun, let months = try await expiredMonths(groups, now: time) { rows.append(months) }
        for rule in declaration.retention {
            let name = declaration.category(rule.category)?.name ?? rule.category
            var row = RetentionReport.Row(
                category: rule.category, categoryName: name, records: nil, rule: rule.then, period: rule.period,
                legalHold: rule.legalHold, affected: nil, oldest: nil, note: nil)
            guard let cutoff = Durations.cutoff(rule.period, now: time) else {
                row.note = rule.period == Durations.accountLifetime ? "kept until the account is deleted" : "no period"
                rows.append(row)
                continue
            }
            let kinds = governed(Self.sweptRecords, by: rule)
            let fields = governed(Self.sweptFields, by: rule)
            // Readings: the telemetry mapping can put keys in a category this rule governs.
            let governsReadings = mapping.categoryKeys.contains { declaration.retentionRule(for: $0) == rule }
            // Readings go under `delete` and `aggregate` (folded into daily statistics first); other records only
            // under `delete`.
            let governsDiagnostics = diagnostics != nil && declaration.retentionRule(for: DiagnosticsService.category) == rule
            let governsAudit = declaration.retentionRule(for: Self.auditCategory) == rule
            let sweepsRows =
                ((!kinds.isEmpty || governsAudit) && rule.then == .delete)
                || ((governsReadings || governsDiagnostics) && rule.then != .anonymize)
            let sweepsFields = !fields.isEmpty && rule.then != .aggregate
            guard sweepsRows || sweepsFields else {
                row.note = "not swept by this version of Steward yet"
                rows.append(row)
                continue
            }
            func swept(_ records: String, _ step: RetentionStep) -> RetentionReport.Row {
                var swept = row
                swept.records = records
                swept.affected = step.affected
                swept.oldest = step.oldest
                return swept
            }
            for field in sweepsFields ? fields : [] {
                let replacement = Self.replacement(for: field, rule: rule.then)
                rows.append(
                    swept(
                        field.rawValue,
                        try await expireAll { try await store.anonymize(field, before: cutoff, limit: $0, dryRun: dryRun, replacement) }))
            }
            guard sweepsRows else { continue }
            for kind in rule.then == .delete ? kinds : [] {
                rows.append(swept(kind.rawValue, try await expireAll { try await store.expire(kind, before: cutoff, limit: $0, dryRun: dryRun) }))
            }
            if governsAudit, rule.then == .delete {
                // A prefix of the trail goes; the chain still verifies from the anchor the prune's own entry names.
                rows.append(
                    swept("audit entries", try await expireAll { try await store.pruneAudit(before: cutoff, limit: $0, dryRun: dryRun) }))
            }
            if governsDiagnostics, let diagnostics, let cutoffs = DiagnosticsService.cutoffs(rawPeriod: rule.period, now: time) {
                // Records older than the period are folded into daily counts (unless a person's request quoted
                // them), and daily counts go after 13 months.
                rows.append(
                    swept(
                        "diagnostics",
                        try await expireAll {
                            try await diagnostics.expire(before: cutoffs.raw, dailyBefore: cutoffs.daily, limit: $0, dryRun: dryRun)
                        }))
            }
            if governsReadings {
                let rollups = rollupCutoffs(rule, now: time)
                var total = RetentionStep(affected: 0, more: false, oldest: nil)
                var totals = [RollupWidth: RetentionStep]()
                var attributes = RetentionStep(affected: 0, more: false, oldest: nil)
                for group in groups {
                    let category = mapping.categoryKey(forKey: group.key, profile: group.profile)
                    guard declaration.retentionRule(for: category) == rule else { continue }
                    let fold = rule.then == .aggregate ? ReadingFold(category: category, rollUps: !rollups.isEmpty) : nil
                    total.add(
                        try await expireAll {
                            try await store.expireReadings(group, before: cutoff, limit: $0, dryRun: dryRun, foldingInto: fold)
                        })
                    attributes.add(try await store.expireAttributes(group, before: cutoff, dryRun: dryRun))
                    for (width, rollupCutoff) in rollups {
                        totals[width, default: RetentionStep(affected: 0, more: false, oldest: nil)].add(
                            try await expireAll {
                                try await store.expireRollups(group, width: width, before: rollupCutoff, limit: $0, dryRun: dryRun)
                            })
                    }
                }
                rows.append(swept("readings", total))
                rows.append(swept("device attributes", attributes))
                for width in RollupWidth.allCases where rollups[width] != nil {
                    var row = swept(width == .hour ? "hourly totals" : "daily totals", totals[width] ?? RetentionStep(affected: 0, more: false, oldest: nil))
                    row.period = (width == .hour ? rule.hourlyUntil : rule.dailyUntil) ?? row.period
                    row.rule = .delete
                    rows.append(row)
                }
            }
        }
        rows += try await storageLifetimes(now: time, dryRun: dryRun)
        if let unopened { rows.append(try await unopenedAccounts(unopened, now: time, dryRun: dryRun)) }
        var report = RetentionReport(time: time, dryRun: dryRun, rows: rows)
        if !dryRun { report.reclaimedBytes = try await store.reclaimSpace() }
        // A run that deleted something is recorded; an hourly run that found nothing would only bury the trail.
        if !dryRun, report.affected > 0 {
            try await identity.apply([
                .audit(
                    AuditEvent(
                        time: time, tenantID: nil, actorID: nil, credential: credential, subjectID: nil, event: "retention.run",
                        detail: report.auditDetail))
            ])
        }
        return report
    }

    /// Drops the months of readings whose every group is past a delete rule's cutoff; a row when any went.
    func expiredMonths(_ groups: [TelemetrySeriesGroup], now time: Int64) async throws -> RetentionReport.Row? {
        var cutoffs: [TelemetrySeriesGroup: Int64] = [:]
        for group in groups {
            let category = declaration.telemetry.categoryKey(forKey: group.key, profile: group.profile)
            if let rule = declaration.retentionRule(for: category), rule.then == .delete, let cutoff = Durations.cutoff(rule.period, now: time) {
                cutoffs[group] = cutoff
            }
        }
        let months = try await store.dropExpiredMonths(cutoffs: cutoffs, dryRun: false)
        guard !months.isEmpty else { return nil }
        return RetentionReport.Row(
            category: "readings by the month", categoryName: "Whole months of readings past a delete rule: " + months.map(\.name).joined(separator: ", "),
            records: "month partitions", rule: .delete, period: "per category", legalHold: nil,
            affected: months.reduce(0) { $0 + $1.readings }, oldest: nil, note: nil)
    }

    /// When the hourly and daily totals an aggregate rule keeps end (ms). Hourly rows go by whole UTC days: every
    /// hour of the day the cutoff falls in goes with it (up to a day early), so the daily row that replaces them in
    /// history always covers a whole day.
    func rollupCutoffs(_ rule: RetentionRule, now: Int64) -> [RollupWidth: Int64] {
        guard rule.then == .aggregate, let hourly = rule.hourlyUntil.flatMap({ Durations.cutoff($0, now: now) }),
            let daily = rule.dailyUntil.flatMap({ Durations.cutoff($0, now: now) })
        else { return [:] }
        let day = RollupWidth.day.rawValue
        return [.hour: (hourly / day + 1) * day, .day: daily]
    }

    /// Accounts that never opened go once their links have expired (`UnopenedAccountSweeper`, whose audit entries
    /// name each account); the row counts them.
    func unopenedAccounts(_ sweeper: UnopenedAccountSweeper, now time: Int64, dryRun: Bool) async throws -> RetentionReport.Row {
        let lifetime = sweeper.horizon
        let cutoff = time - lifetime
        var step = try await store.unopenedAccounts(createdBefore: cutoff)
        if !dryRun {
            step.affected = try await sweeper.sweep(at: time)
            step.oldest = try await store.unopenedAccounts(createdBefore: cutoff).oldest
        }
        return RetentionReport.Row(
            category: "unopened accounts", categoryName: "Accounts whose email or parental consent was never confirmed",
            records: "accounts", rule: .delete, period: "P\(lifetime / 86_400_000)D", legalHold: nil, affected: step.affected,
            oldest: step.oldest, note: nil)
    }

    /// Readings that go before their category's period, whichever comes first: those written with a time to live
    /// (ThingsBoard's `{ttl}`), then those of tenants and device profiles with a storage TTL.
    func storageLifetimes(now time: Int64, dryRun: Bool) async throws -> [RetentionReport.Row] {
        func row(_ category: String, _ name: String, period: String, _ step: RetentionStep) -> RetentionReport.Row {
            RetentionReport.Row(
                category: category, categoryName: name, records: "readings", rule: .delete, period: period, legalHold: nil,
                affected: step.affected, oldest: step.oldest, note: nil)
        }
        var rows = [
            row(
                "reading TTL", "Readings written with a time to live", period: "per reading",
                try await expireAll { try await store.expireTTLReadings(now: time, limit: $0, dryRun: dryRun) })
        ]
        for ttl in try await store.storageTTLs() {
            let kind = ttl.scope.kind
            let cutoff = time - ttl.seconds * 1000
            let step = try await expireAll { try await store.expireReadings(of: ttl.scope, before: cutoff, limit: $0, dryRun: dryRun) }
            rows.append(row("\(kind) TTL: \(ttl.name)", "Readings of \(kind) \(ttl.name), kept \(ttl.seconds) s", period: "PT\(ttl.seconds)S", step))
        }
        return rows
    }

    /// Calls `batch` with the batch size until it reports nothing more to do; the affected counts add up. Between
    /// batches it rests `pacing` times as long as the batch took, so writers that share the database (the server's
    /// group commit, on SQLite one writer for everyone) get it most of the time: measured without a rest, a sweep of
    /// 10,000,000 readings held ingest to 0.38-0.43x of its rate.
    func expireAll(_ batch: (_ limit: Int) async throws -> RetentionStep) async throws -> RetentionStep {
        var total = RetentionStep(affected: 0, more: true, oldest: nil)
        let clock = ContinuousClock()
        while total.more {
            try Task.checkCancellation()
            let start = clock.now
            let step = try await batch(batchSize)
            total = RetentionStep(affected: total.affected + step.affected, more: step.more, oldest: step.oldest)
            if step.more, pacing > 0 { try await Task.sleep(for: (clock.now - start) * pacing) }
        }
        return total
    }

    /// What a table of swept categories lists for the categories `rule` governs: their own rule, or a parent's when
    /// they have none.
    func governed<Swept>(_ table: [String: [Swept]], by rule: RetentionRule) -> [Swept] {
        table.keys.sorted().filter { declaration.retentionRule(for: $0) == rule }.flatMap { table[$0]! }
    }
}
