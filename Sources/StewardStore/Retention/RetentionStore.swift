import StewardCore

/// What one bounded retention call did: how many records it deleted (or, in a dry run, would delete), whether it
/// stopped at its limit with more to do, and the time of the oldest record of the kind that is left.
public struct RetentionStep: Sendable, Equatable {
    public var affected: Int
    /// The call reached its limit: call again for the rest (a dry run counts everything and is never `more`).
    public var more: Bool
    /// The oldest record of the kind left after the call, by the kind's time (nil when none is left).
    public var oldest: Int64?

    public init(affected: Int, more: Bool, oldest: Int64?) {
        self.affected = affected
        self.more = more
        self.oldest = oldest
    }

    /// A batch that changed `changed` of at most `limit` records: more to do when it was full.
    public init(changed: Int, limit: Int, oldest: Int64?) {
        self.init(affected: changed, more: changed == limit, oldest: oldest)
    }

    /// Adds another call's counts; `oldest` becomes the older of the two.
    public mutating func add(_ other: RetentionStep) {
        affected += other.affected
        more = more || other.more
        if let theirs = other.oldest { oldest = min(oldest ?? theirs, theirs) }
    }

    /// Refuses a batch limit below 1 (it would never finish), before anything is read.
    public static func check(limit: Int) throws {
        guard limit > 0 else { throw StewardError.badRequest("A retention batch needs a limit of at least 1, not \(limit)") }
    }
}

/// Records that expire as whole rows once their declared period has passed (promise MB-14), each by its own time:
/// the time after which the record no longer serves its purpose.
public enum RetainedRecord: String, Sendable, CaseIterable {
    /// Signed-in sessions and API sessions, by when they ended (revoked, else expired); a live session never goes.
    case sessions
    /// Confirmation, reset and sign-in links and codes, by when they expire.
    case oneTimeTokens
    /// The sign-in history, by when the attempt was made.
    case signIns
    /// Locks on addresses without an account after failed sign-ins, by when the lock ends.
    case addressLocks
    /// Mail, by when it was sent, else (mail that could never be delivered) by when it was queued.
    case mail
    /// Closed data-subject requests, by when they were closed; an open request never goes.
    case closedRequests
    /// Complaints, by when they were received.
    case complaints
    /// The disclosure register, by when the data was disclosed; while the person may not yet be told (a restriction
    /// that ends after the cutoff) the entry stays.
    case disclosures

    /// The table, its key, and the SQL expression of the record's time: the same on SQLite and PostgreSQL, whose
    /// schemas name tables and columns alike.
    public var layout: (table: String, key: String, time: String) {
        switch self {
        case .sessions: return ("session", "id", "COALESCE(revoked_time, expires_time)")
        case .oneTimeTokens: return ("one_time_token", "hash", "expires_time")
        case .signIns: return ("sign_in", "id", "time")
        case .addressLocks: return ("address_lock", "email_hash", "until")
        case .mail: return ("mail_outbox", "id", "COALESCE(sent_time, created_time)")
        case .closedRequests: return ("dsr_request", "id", "closed_time")
        case .complaints: return ("complaint", "id", "received_time")
        // The later of the disclosure and the end of its restriction.
        case .disclosures:
            return ("disclosure", "id", "CASE WHEN restricted_until > disclosed_time THEN restricted_until ELSE disclosed_time END")
        }
    }

    /// The statements a backend runs for `expire`, with `?` parameters: count (cutoff), delete a batch (cutoff,
    /// limit), oldest left.
    public var statements: (count: String, deleteBatch: String, oldest: String) {
        let (table, key, time) = layout
        return (
            "SELECT COUNT(*) FROM \(table) WHERE \(time) < ?",
            "DELETE FROM \(table) WHERE \(key) IN (SELECT \(key) FROM \(table) WHERE \(time) < ? ORDER BY \(time) LIMIT ?)",
            "SELECT MIN(\(time)) FROM \(table)"
        )
    }
}

/// Columns that outlive their category's period inside rows that stay (a session, an API key, a policy agreement):
/// after the period the value is replaced, an address by its network, a browser description by nothing.
public enum RetainedField: String, Sendable, CaseIterable {
    /// The address a session was opened from, by when it was opened.
    case sessionAddress
    /// The address an API key was last used from, by when.
    case apiKeyAddress
    /// The address a policy agreement was given from, by when.
    case agreementAddress
    /// The address an audit entry was made from, by when (entries with digest version 2 only: older ones hash their
    /// full address, which stays until the entry is pruned).
    case auditAddress
    /// The browser and OS a session was opened with, by when it was opened.
    case sessionClient
    /// The browser and OS a policy agreement was given with, by when.
    case agreementClient
    /// The browser and OS a consent choice was made with, by when (the ledger lets only this column be emptied).
    case consentClient

    /// The table, its key (and whether the key is an integer), the column, the time, and the SQL condition that
    /// holds while the value is still as recorded (a network has a `/`, an emptied client is '').
    public var layout: (table: String, key: String, integerKey: Bool, column: String, time: String, pending: String) {
        switch self {
        case .sessionAddress: return ("session", "id", false, "ip", "created_time", "ip NOT LIKE '%/%'")
        case .apiKeyAddress: return ("api_key", "id", false, "last_used_ip", "last_used_time", "last_used_ip NOT LIKE '%/%'")
        case .agreementAddress: return ("policy_agreement", "id", true, "ip", "time", "ip NOT LIKE '%/%'")
        case .auditAddress: return ("audit_log", "seq", true, "ip", "time", "v = 2 AND ip <> '' AND ip NOT LIKE '%/%'")
        case .sessionClient: return ("session", "id", false, "client", "created_time", "client <> ''")
        case .agreementClient: return ("policy_agreement", "id", true, "client", "time", "client <> ''")
        case .consentClient: return ("consent_event", "seq", true, "client", "time", "client <> ''")
        }
    }

    /// Count (cutoff), a batch of keys and values (cutoff, limit), one update (value, key), oldest pending.
    public var statements: (count: String, batch: String, update: String, oldest: String) {
        let (table, key, _, column, time, pending) = layout
        return (
            "SELECT COUNT(*) FROM \(table) WHERE \(time) < ? AND \(pending)",
            "SELECT \(key), \(column) FROM \(table) WHERE \(time) < ? AND \(pending) ORDER BY \(time) LIMIT ?",
            "UPDATE \(table) SET \(column) = ? WHERE \(key) = ?",
            "SELECT MIN(\(time)) FROM \(table) WHERE \(pending)"
        )
    }
}

/// The readings of one telemetry key on the devices of one device profile (nil: devices without a profile): the
/// unit whose data category, and so whose retention, the declaration's telemetry mapping decides.
public struct TelemetrySeriesGroup: Sendable, Hashable, Comparable {
    public var profile: String?
    public var key: String

    public init(profile: String?, key: String) {
        self.profile = profile
        self.key = key
    }

    public static func < (a: Self, b: Self) -> Bool {
        (a.profile ?? "", a.key) < (b.profile ?? "", b.key)
    }
}

/// Deleting what has outlived its declared period, in calls small enough that ingest and sign-ins never wait long
/// behind one: each call is one transaction of at most `limit` records. The retention service decides the cutoffs
/// from the privacy declaration; the store only deletes by them.
public protocol RetentionStore: Sendable {
    /// Deletes at most `limit` records of `record` whose time is before `cutoff` (ms), oldest first; with `dryRun`
    /// deletes nothing and counts every record that would go.
    func expire(_ record: RetainedRecord, before cutoff: Int64, limit: Int, dryRun: Bool) async throws -> RetentionStep

    /// Replaces at most `limit` values of `field` recorded before `cutoff` (ms), oldest first, with `transform` of
    /// them (the value as recorded in, what stays out); with `dryRun` only counts.
    func anonymize(
        _ field: RetainedField, before cutoff: Int64, limit: Int, dryRun: Bool, _ transform: @escaping @Sendable (String) -> String
    ) async throws -> RetentionStep

    /// Every (device profile, key) that has readings, as the latest values know them.
    func telemetrySeriesGroups() async throws -> [TelemetrySeriesGroup]

    /// Deletes at most `limit` readings of `group` taken before `cutoff` (ms), in storage order (device by device,
    /// each oldest first: a walk of the primary key, no sort of all expired rows), and the group's latest values older
    /// than the cutoff; with `dryRun` only counts. `oldest` is the group's oldest reading left.
    /// With `foldingInto` (the rule is `aggregate`), the batch is first added to the daily statistics per tenant,
    /// category and key (`statistic`: count, sum, min, max of numeric readings, no device) and, when the fold keeps
    /// roll-ups, to the hourly and daily totals per device and key, in the same transaction, so a reading is counted
    /// exactly once however often the run stops and resumes.
    func expireReadings(
        _ group: TelemetrySeriesGroup, before cutoff: Int64, limit: Int, dryRun: Bool, foldingInto fold: ReadingFold?
    ) async throws -> RetentionStep

    /// Deletes the attributes devices of the group reported (CLIENT scope) under the group's key and last updated
    /// before `cutoff` (ms): a device's attribute is one value per key, so one statement does it.
    func expireAttributes(_ group: TelemetrySeriesGroup, before cutoff: Int64, dryRun: Bool) async throws -> RetentionStep

    /// Deletes at most `limit` roll-up rows of `width` of the group's devices and key starting before `cutoff` (ms).
    func expireRollups(_ group: TelemetrySeriesGroup, width: RollupWidth, before cutoff: Int64, limit: Int, dryRun: Bool) async throws
        -> RetentionStep

    /// What the folds kept of a tenant's key in a category, by day number (days since 1970, UTC): the daily
    /// statistics that stay after an `aggregate` rule deleted the readings.
    func foldedStatistics(tenant: TenantID, category: String, key: String) async throws -> [Int64: DailyStatistic]

    /// Deletes at most `limit` readings written with a time to live that ended at or before `now` (ms), soonest
    /// first, with their latest values when they are the latest. `oldest` is the soonest expiry left.
    func expireTTLReadings(now: Int64, limit: Int, dryRun: Bool) async throws -> RetentionStep

    /// Removes at most `limit` of the oldest audit entries made before `cutoff` (a prefix of the trail) and leaves the
    /// chain verifiable (`AuditPruning`); with `dryRun` only counts. `oldest` is the oldest entry left.
    func pruneAudit(before cutoff: Int64, limit: Int, dryRun: Bool) async throws -> RetentionStep

    /// Drops whole months of readings at once where the backend partitions them (PostgreSQL), instead of deleting
    /// them row by row: a month goes when every (profile, key) group with readings in it is in `cutoffs` (groups whose
    /// rule deletes, never folds) with a cutoff at or after the month's end. With `dryRun` only says which would go.
    /// A backend without partitions answers nothing.
    func dropExpiredMonths(cutoffs: [TelemetrySeriesGroup: Int64], dryRun: Bool) async throws -> [DroppedMonth]

    /// Returns space the run freed to the filesystem where the backend can do so without stopping anyone (SQLite
    /// files made since retention was built: a few thousand pages per short write, while much of the file is free);
    /// answers the bytes returned. Elsewhere freed space is reused by new rows (older SQLite files, PostgreSQL, whose
    /// autovacuum marks dead rows reusable) and the answer is 0.
    func reclaimSpace() async throws -> Int64

    /// How many accounts that never opened (email never confirmed, parental consent never given) were created before
    /// `cutoff`, and the oldest of all unopened ones: what the unopened-account sweep would delete (it deletes them,
    /// with their empty workspaces, through `IdentityStore.deleteUnopenedAccounts`).
    func unopenedAccounts(createdBefore cutoff: Int64) async throws -> RetentionStep

    /// The tenants and device profiles that have a storage TTL.
    func storageTTLs() async throws -> [StorageTTL]

    /// Sets (or, with nil, clears) the storage TTL of a tenant or of one of its device profiles. Throws not-found when
    /// the tenant has no such profile.
    func setStorageTTL(_ scope: StorageTTLScope, tenant: TenantID, seconds: Int64?) async throws

    /// Deletes at most `limit` readings of the scope's devices taken before `cutoff` (ms), device by device, each
    /// oldest first, and their latest values older than the cutoff.
    func expireReadings(of scope: StorageTTLScope, before cutoff: Int64, limit: Int, dryRun: Bool) async throws -> RetentionStep
}

/// A month of readings dropped whole: its partition, its bounds (ms) and how many readings it held.
public struct DroppedMonth: Sendable, Equatable {
    public var name: String
    public var start: Int64
    public var end: Int64
    public var readings: Int

    public init(name: String, start: Int64, end: Int64, readings: Int) {
        self.name = name
        self.start = start
        self.end = end
        self.readings = readings
    }
}
