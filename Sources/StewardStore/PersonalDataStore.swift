import StewardCore

/// One kind of record held about a person, read whole: a profile, consents, sign-ins… Telemetry is not here; it is
/// read page by page (`readings`), because a person can have millions of readings.
public struct PersonalTable: Sendable, Equatable {
    /// The file name stem in an export (`profile`, `sign_ins`…), also the key the catalog describes it under.
    public var name: String
    public var columns: [String]
    public var rows: [[JSONValue]]

    public init(name: String, columns: [String], rows: [[JSONValue]]) {
        self.name = name
        self.columns = columns
        self.rows = rows
    }
}

/// A device that concerns a person (promise TB-5): assigned to them, or owned by the tenant they alone make up.
public struct PersonDevice: Sendable, Equatable {
    /// The storage key readings are filed under.
    public var seq: Int64
    public var id: DeviceID
    public var tenantID: TenantID
    public var name: String
    public var type: String
    public var profileName: String?
    /// True when assigned to the person; false when it belongs to the person's own single-person tenant.
    public var assigned: Bool

    public init(seq: Int64, id: DeviceID, tenantID: TenantID, name: String, type: String, profileName: String?, assigned: Bool) {
        self.seq = seq
        self.id = id
        self.tenantID = tenantID
        self.name = name
        self.type = type
        self.profileName = profileName
        self.assigned = assigned
    }
}

/// One stored reading as an export writes it.
public struct StoredReading: Sendable, Equatable {
    public var keyID: Int64
    public var key: String
    public var ts: Int64
    public var value: KVValue

    public init(keyID: Int64, key: String, ts: Int64, value: KVValue) {
        self.keyID = keyID
        self.key = key
        self.ts = ts
        self.value = value
    }
}

/// One page of readings, and where the next page starts (nil after the last). A reading that cannot be opened (its
/// person's key was destroyed) is left out of `readings` but still moves the cursor on.
public struct ReadingPage: Sendable {
    public var readings: [StoredReading]
    public var next: (keyID: Int64, ts: Int64)?

    public init(readings: [StoredReading], next: (keyID: Int64, ts: Int64)?) {
        self.readings = readings
        self.next = next
    }
}

/// What erasing one person removes, keeps or turns into statistics: rules worked out by the privacy module from the
/// declaration, resolved and applied by the store in one transaction. The plan names no devices and no tenant: which
/// devices concern the person, and whether their workspace goes with them, is decided inside the transaction that
/// deletes, so a device assigned to the person a moment before the erasure loses its readings too.
public struct ErasurePlan: Sendable {
    public var user: UserID
    public var email: String
    /// Which data category each telemetry key is in (the declaration's mapping, per device profile).
    public var telemetry: TelemetryMapping
    /// Categories the declaration keeps as statistics (`then: aggregate`): their numeric readings are folded into
    /// daily counts, sums, minimums and maximums per tenant, without device or person, before they are deleted.
    public var aggregatedCategories: Set<String>
    public var receipt: ErasureReceiptRecord
    /// What the receipt says besides the counts; the store writes it in the deleting transaction.
    public var receiptWording: ErasureReceiptWording
    public var audit: AuditEvent
    /// Applied last in the same transaction: the record that the request was honoured, and the pseudonymisation
    /// of the person's earlier requests.
    public var changes: [IdentityChange]
    /// Other addresses whose queued mail is about the person (a parent asked for consent).
    public var otherRecipients: [String] = []

    public init(
        user: UserID, email: String, telemetry: TelemetryMapping, aggregatedCategories: Set<String>,
        receipt: ErasureReceiptRecord, receiptWording: ErasureReceiptWording, audit: AuditEvent, changes: [IdentityChange] = []
    ) {
        self.changes = changes
        self.receiptWording = receiptWording
        self.user = user
        self.email = email
        self.telemetry = telemetry
        self.aggregatedCategories = aggregatedCategories
        self.receipt = receipt
        self.audit = audit
    }

    /// The category a device's telemetry key is in when its readings are kept as statistics, else nil.
    public func statisticsCategory(key: String, profile: String?) -> String? {
        let category = telemetry.categoryKey(forKey: key, profile: profile)
        return aggregatedCategories.contains(category) ? category : nil
    }
}

/// Rows an erasure touched, by the table they were in.
public struct ErasureCounts: Sendable, Equatable {
    public var deleted: [String: Int]
    /// Readings folded into daily statistics before their deletion.
    public var aggregated: Int
    /// The categories those readings were in.
    public var aggregatedCategories: Set<String> = []
    /// Rows kept under a legal hold (audit entries about the person).
    public var kept: [String: Int]

    public init(deleted: [String: Int] = [:], aggregated: Int = 0, kept: [String: Int] = [:]) {
        self.deleted = deleted
        self.aggregated = aggregated
        self.kept = kept
    }
}

/// The receipt of an erasure: what went, what became statistics, what stayed and why. It names no one; its id and
/// a signed link let the person download it after their account is gone.
public struct ErasureReceiptRecord: Sendable, Equatable {
    public var id: String
    public var time: Int64
    /// The receipt's text (JSON), written once the counts are known.
    public var body: String

    public init(id: String, time: Int64, body: String) {
        self.id = id
        self.time = time
        self.body = body
    }
}

/// A kind of record held about a person besides readings and device attributes. Every backend keeps all of them;
/// the access report, the export (one file each, named by the raw value) and the export's README list them in this
/// order.
public enum PersonalRecordKind: String, Sendable, CaseIterable {
    case profile
    case consents
    case policyAgreements = "policy_agreements"
    case signIns = "sign_ins"
    case sessions
    case apiKeys = "api_keys"
    case audit
    case usage
    case mail
    /// Diagnostic records (request and error logs) the person quoted in a request or complaint (promise MS-5).
    case diagnostics
}

/// Reads everything held about a person, and erases it.
public protocol PersonalDataStore: Sendable {
    /// One page of a kind of record, oldest first, after `cursor`; `next` is nil after the last page.
    func personalRecords(
        _ kind: PersonalRecordKind, of user: UserID, after cursor: Int64?, limit: Int
    ) async throws -> (table: PersonalTable, next: Int64?)
    /// The newest `limit` records of a kind (oldest first) and how many there are in all.
    func newestPersonalRecords(_ kind: PersonalRecordKind, of user: UserID, limit: Int) async throws -> (table: PersonalTable, total: Int)
    /// Devices assigned to the person, plus the devices of their tenant when they are its only member.
    func devices(concerning user: UserID) async throws -> [PersonDevice]
    /// The person a tenant's device concerns: its assignee, else the only member of its tenant; nil when neither
    /// (or no such device in the tenant). The console logs views of sensitive readings to that person's access log.
    func person(concerning device: DeviceID, tenant: TenantID) async throws -> UserID?
    /// How many readings, attributes and totals a tenant's device has (nil: no such device in the tenant).
    func dataCounts(device: DeviceID, tenant: TenantID) async throws -> DeviceDataCounts?
    /// Assigns a tenant's device to one of its users (nil: unassigns). Throws notFound across tenants.
    func assignDevice(tenant: TenantID, device: DeviceID, to person: UserID?) async throws
    /// Readings of a device ordered by key and time, after `cursor` (key id, ts), reading at most `limit` rows.
    func readings(device seq: Int64, after cursor: (keyID: Int64, ts: Int64)?, limit: Int) async throws -> ReadingPage
    func readingCount(devices: [Int64]) async throws -> Int
    /// How many readings a device has per key.
    func readingCounts(device seq: Int64) async throws -> [String: Int]
    /// The telemetry keys a device has readings under.
    func telemetryKeys(device seq: Int64) async throws -> [String]
    /// The person's own tenant when no one else belongs to it (it goes with them on erasure).
    func soleTenant(of user: UserID) async throws -> TenantID?
    /// Attributes of a device: (scope, key, last update, value).
    func attributeRows(device seq: Int64) async throws -> [[JSONValue]]
    /// The hourly and daily totals kept of a device's deleted readings (`ts_rollup`): (key, period, start, count,
    /// numeric count, sum, min, max).
    func rollupRows(device seq: Int64) async throws -> [[JSONValue]]

    /// Erases the person in one transaction and writes the receipt (`plan.receiptWording` with the counts) in it;
    /// returns the counts.
    func erase(_ plan: ErasurePlan) async throws -> ErasureCounts
    /// Makes sure no copy of erased rows lingers outside the live tables: whatever the backend keeps besides them
    /// (SQLite: the write-ahead log, folded into the file and truncated; freed pages are zeroed by `secure_delete`).
    /// Called after an erasure has committed; best effort, as the backend does it on its own later too.
    func purgeErasedRemnants() async throws
    func receipt(id: String) async throws -> ErasureReceiptRecord?
}

/// The rows of `PersonalDataStore.rollupRows`, the same on every backend.
public enum RollupRows {
    public static let sql = """
        SELECT k.key, r.width, r.start, r.n, r.numeric_n, r.total, r.low, r.high FROM ts_rollup r
        JOIN ts_key k ON k.id = r.key_id WHERE r.device_seq = ? ORDER BY k.key, r.width, r.start
        """

    public static func row(key: String, width: Int64, start: Int64, count: Int64, numeric: Int64, total: Double?, low: Double?, high: Double?)
        -> [JSONValue]
    {
        func number(_ value: Double?) -> JSONValue { value.map { .number(String($0)) } ?? .null }
        return [
            .string(key), .string(width == RollupWidth.day.rawValue ? "day" : "hour"), .number(String(start)), .number(String(count)),
            .number(String(numeric)), number(total), number(low), number(high),
        ]
    }
}
