import Foundation
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

/// Whose readings a storage TTL covers: every device of a tenant (ThingsBoard's tenant-profile default TTL), or every
/// device of one device profile.
public enum StorageTTLScope: Sendable, Hashable {
    case tenant(TenantID)
    case profile(DeviceProfileID)

    /// The devices of the scope as a WHERE clause over readings aliased `r` (one parameter: the id).
    public var selection: String {
        switch self {
        case .tenant: return "r.device_seq IN (SELECT seq FROM device WHERE tenant_id = ?)"
        case .profile: return "r.device_seq IN (SELECT seq FROM device WHERE profile_id = ?)"
        }
    }

    public var id: String {
        switch self {
        case .tenant(let id): return id.description
        case .profile(let id): return id.description
        }
    }
}

/// A storage TTL as set: the scope, its name as people know it, and the seconds readings are kept.
public struct StorageTTL: Sendable, Equatable {
    public var scope: StorageTTLScope
    public var name: String
    public var seconds: Int64

    public init(scope: StorageTTLScope, name: String, seconds: Int64) {
        self.scope = scope
        self.name = name
        self.seconds = seconds
    }

    /// Both backends: every TTL set, tenants first (columns: kind, id, name, seconds).
    public static let listSQL = """
        SELECT 'tenant' AS kind, id, name, storage_ttl FROM tenant WHERE storage_ttl IS NOT NULL
        UNION ALL
        SELECT 'profile' AS kind, id, name, storage_ttl FROM device_profile WHERE storage_ttl IS NOT NULL
        ORDER BY kind DESC, name
        """

    /// The update for a scope (parameters: seconds or NULL, id, tenant).
    public static func setSQL(_ scope: StorageTTLScope) -> String {
        switch scope {
        case .tenant: return "UPDATE tenant SET storage_ttl = ? WHERE id = ? AND id = ?"
        case .profile: return "UPDATE device_profile SET storage_ttl = ? WHERE id = ? AND tenant_id = ?"
        }
    }

    /// The largest TTL accepted, in seconds: the same bound as the REST `{ttl}` segment, so no cutoff can overflow.
    public static let maximumSeconds = IntegerInput.maximumTimestamp / 1000

    /// Refuses a TTL below one second or above `maximumSeconds`.
    public static func check(seconds: Int64) throws(StewardError) {
        guard (1...maximumSeconds).contains(seconds) else {
            throw .badRequest("A storage TTL must be from 1 to \(maximumSeconds) seconds, not \(seconds)")
        }
    }
}

/// The SQL both backends run for readings: the devices of a group are those whose profile has the group's name
/// (or that have none), the key is found by name.
public enum ReadingRetentionSQL {
    /// Distinct (profile name, key) pairs of the latest values, of the roll-ups (which outlive them) and of the
    /// attributes devices report (CLIENT scope, which the telemetry mapping classifies like readings).
    public static let groups = """
        SELECT DISTINCT p.name AS profile, x.key AS key FROM (
          SELECT l.device_seq, k.key FROM (SELECT device_seq, key_id FROM ts_kv_latest
                                           UNION SELECT DISTINCT device_seq, key_id FROM ts_rollup) l
          JOIN ts_key k ON k.id = l.key_id
          UNION SELECT device_seq, key FROM attribute_kv WHERE scope = \(AttributeScope.client.code)) x
        JOIN device d ON d.seq = x.device_seq LEFT JOIN device_profile p ON p.id = d.profile_id
        """

    /// The device-reported attributes of a group (parameters: key, [profile]) as a WHERE clause over `attribute_kv`
    /// aliased `r`: counted (cutoff), deleted (cutoff), oldest left.
    public static func attributeStatements(profile: String?) -> (count: String, delete: String, oldest: String) {
        let devices = selection(profile: profile).components(separatedBy: " AND r.device_seq IN ").last!
        let selection = "r.scope = \(AttributeScope.client.code) AND r.key = ? AND r.device_seq IN \(devices)"
        return (
            "SELECT COUNT(*) FROM attribute_kv r WHERE \(selection) AND r.last_update_ts < ?",
            "DELETE FROM attribute_kv WHERE (device_seq, scope, key) IN (SELECT r.device_seq, r.scope, r.key FROM attribute_kv r WHERE \(selection) AND r.last_update_ts < ?)",
            "SELECT MIN(r.last_update_ts) FROM attribute_kv r WHERE \(selection)"
        )
    }

    /// The readings of the group (parameters: key, [profile]) as a WHERE clause over a table aliased `r`.
    public static func selection(profile: String?) -> String {
        "r.key_id = (SELECT id FROM ts_key WHERE key = ?) AND r.device_seq IN (\(devices(profile: profile)))"
    }

    /// The storage keys of the group's devices (parameter: [profile]).
    static func devices(profile: String?) -> String {
        profile == nil
            ? "SELECT d.seq FROM device d WHERE d.profile_id IS NULL"
            : "SELECT d.seq FROM device d JOIN device_profile p ON p.id = d.profile_id WHERE p.name = ?"
    }

    /// The group's oldest reading (parameters: key, [profile]) by one primary-key seek per device: a `MIN` over the
    /// whole selection would read every reading left, once per batch.
    public static func oldest(profile: String?) -> String {
        """
        SELECT MIN((SELECT MIN(r.ts) FROM ts_kv r WHERE r.device_seq = x.seq AND r.key_id = k.id))
        FROM (SELECT id FROM ts_key WHERE key = ?) k CROSS JOIN device x WHERE x.seq IN (\(devices(profile: profile)))
        """
    }

    /// The arguments of `selection`.
    public static func arguments(_ group: TelemetrySeriesGroup) -> [String] {
        group.profile.map { [group.key, $0] } ?? [group.key]
    }

    /// Statements with the group's arguments first, then the cutoff (and the limit).
    public static func statements(profile: String?) -> (count: String, deleteBatch: String, deleteLatest: String, oldest: String) {
        var sql = statements(selection: selection(profile: profile))
        sql.oldest = oldest(profile: profile)
        return sql
    }

    /// The batch of readings of `selection` before a cutoff, in primary-key order (parameters: the selection's, the
    /// cutoff, the limit), as a subquery yielding `device_seq, key_id, ts` and the value columns `values`.
    public static func batch(selection: String, values: String = "") -> String {
        """
        SELECT r.device_seq, r.key_id, r.ts\(values) FROM ts_kv r WHERE \(selection) AND r.ts < ?
        ORDER BY r.device_seq, r.key_id, r.ts LIMIT ?
        """
    }

    /// The statements for any selection of readings aliased `r`, with its arguments first, then the cutoff (and the
    /// limit).
    public static func statements(selection: String) -> (count: String, deleteBatch: String, deleteLatest: String, oldest: String) {
        (
            "SELECT COUNT(*) FROM ts_kv r WHERE \(selection) AND r.ts < ?",
            "DELETE FROM ts_kv WHERE (device_seq, key_id, ts) IN (\(batch(selection: selection)))",
            "DELETE FROM ts_kv_latest WHERE (device_seq, key_id) IN (SELECT r.device_seq, r.key_id FROM ts_kv_latest r WHERE \(selection) AND r.ts < ?)",
            "SELECT MIN(r.ts) FROM ts_kv r WHERE \(selection)"
        )
    }
}

/// The SQL both backends run for readings written with a time to live.
public enum ReadingExpirySQL {
    /// Unopened accounts: count (cutoff) and oldest.
    public static let unopenedCount = "SELECT COUNT(*) FROM \"user\" WHERE status IN ('awaiting-email', 'awaiting-parent') AND created_time < ?"
    public static let unopenedOldest = "SELECT MIN(created_time) FROM \"user\" WHERE status IN ('awaiting-email', 'awaiting-parent')"

    /// The folded statistics of a tenant's key in a category (parameters: tenant, category, key).
    public static let foldedStatistics =
        "SELECT day, count, sum, min, max FROM statistic WHERE tenant_id = ? AND category = ? AND key = ? ORDER BY day"

    /// The batch of expired readings (parameters: now, limit), soonest first, in a total order so every statement of
    /// one transaction sees the same batch.
    public static let batch = """
        SELECT device_seq, key_id, ts FROM ts_kv_expiry WHERE expires_at <= ?
        ORDER BY expires_at, device_seq, key_id, ts LIMIT ?
        """
    public static let count = "SELECT COUNT(*) FROM ts_kv_expiry WHERE expires_at <= ?"
    public static let oldest = "SELECT MIN(expires_at) FROM ts_kv_expiry"

    /// Deletes the batch's rows from a table keyed by (device_seq, key_id, ts) (parameters: now, limit).
    public static func delete(from table: String) -> String {
        "DELETE FROM \(table) WHERE (device_seq, key_id, ts) IN (\(batch))"
    }
}

extension StorageTTL {
    /// The error for a tenant or profile that does not exist (or, for a profile, belongs to another tenant).
    public static func notFound(_ scope: StorageTTLScope) -> StewardError {
        switch scope {
        case .tenant(let id): return .notFound("Tenant \(id) not found")
        case .profile(let id): return .notFound("Device profile \(id) not found in this tenant")
        }
    }
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
