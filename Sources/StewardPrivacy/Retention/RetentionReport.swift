import StewardCore
import StewardStore

/// What one retention run did (or, in a dry run, would do), a row per declared category and the records that hold
/// it: shown by `steward retention run`, written to the audit trail, read by administrators.
public struct RetentionReport: Sendable {
    public struct Row: Sendable, Equatable {
        /// The declared category, its key and its name as the policy shows it.
        public var category: String
        public var categoryName: String
        /// The kind of record swept (a `RetainedRecord` name such as `signIns`, or `readings`), or nil when no record
        /// is swept for the category.
        public var records: String?
        public var rule: RetentionRule.Outcome
        public var period: String
        /// The legal duty that keeps records past an erasure request, named as the declaration names it.
        public var legalHold: String?
        /// Records deleted (or that a dry run would delete); nil when the category is not swept.
        public var affected: Int?
        /// The oldest record of the kind left afterwards (ms).
        public var oldest: Int64?
        /// Why a category is not swept: kept for the account's lifetime, or its records are not swept by this version.
        public var note: String?

        public init(
            category: String, categoryName: String, records: String?, rule: RetentionRule.Outcome, period: String, legalHold: String?,
            affected: Int?, oldest: Int64?, note: String?
        ) {
            self.category = category
            self.categoryName = categoryName
            self.records = records
            self.rule = rule
            self.period = period
            self.legalHold = legalHold
            self.affected = affected
            self.oldest = oldest
            self.note = note
        }
    }

    public var time: Int64
    public var dryRun: Bool
    public var rows: [Row]
    /// Bytes of freed space handed back to the filesystem at the end of the run (`RetentionStore.reclaimSpace`).
    public var reclaimedBytes: Int64 = 0

    public init(time: Int64, dryRun: Bool, rows: [Row], reclaimedBytes: Int64 = 0) {
        self.time = time
        self.dryRun = dryRun
        self.rows = rows
        self.reclaimedBytes = reclaimedBytes
    }

    /// The total of records deleted (or that would be).
    public var affected: Int { rows.reduce(0) { $0 + ($1.affected ?? 0) } }

    /// One line per swept row, for the audit entry: `<category> <records> <rule> <period> affected=<n> oldest=<ms|->`.
    public var auditDetail: String {
        rows.compactMap { row -> String? in
            guard let records = row.records, let affected = row.affected else { return nil }
            let oldest = row.oldest.map(String.init) ?? "-"
            return "\(row.category) \(records) \(row.rule.rawValue) \(row.period) affected=\(affected) oldest=\(oldest)"
                + (row.legalHold == nil ? "" : " hold")
        }.joined(separator: "\n")
    }
}
