import StewardCore

/// A version of the privacy declaration as it was first loaded: what the platform compares the next version with,
/// so a change is noticed, announced and, where it narrows a right, refused (promises TM-18, MS-23, TM-7).
public struct PolicyVersionRecord: Sendable, Equatable {
    public var version: String
    public var effectiveDate: String
    public var material: Bool
    public var narrowsRights: Bool
    public var summary: String
    /// The keys of the rights the version grants.
    public var rights: [String]
    /// One line per processor (subprocessor): name, location, purposes and categories.
    public var processors: [String]
    /// When this Steward first ran with the version, unix milliseconds.
    public var loadedTime: Int64

    public init(
        version: String, effectiveDate: String, material: Bool, narrowsRights: Bool, summary: String, rights: [String],
        processors: [String], loadedTime: Int64
    ) {
        self.version = version
        self.effectiveDate = effectiveDate
        self.material = material
        self.narrowsRights = narrowsRights
        self.summary = summary
        self.rights = rights
        self.processors = processors
        self.loadedTime = loadedTime
    }
}

/// A marketing announcement that went out: kept so announcements stay rare (promise HA-10).
public struct AnnouncementRecord: Sendable, Equatable {
    public var time: Int64
    public var subject: String
    /// Mails queued: only to people who consented.
    public var sent: Int
    /// Accounts left out because they had not consented, withdrew, or a signal switched marketing off.
    public var skipped: Int

    public init(time: Int64, subject: String, sent: Int, skipped: Int) {
        self.time = time
        self.subject = subject
        self.sent = sent
        self.skipped = skipped
    }
}
