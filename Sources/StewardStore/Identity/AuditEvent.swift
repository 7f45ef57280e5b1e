import StewardCore

/// A security event or a read of a person's data, appended to the hash-chained audit trail.
public struct AuditEvent: Sendable, Equatable {
    public var time: Int64
    /// The tenant whose administrators may review the entry; nil for system-level events.
    public var tenantID: TenantID?
    /// Who acted; nil for anonymous actions (a failed sign-in for an unknown email).
    public var actorID: UserID?
    /// The session or key the actor used (`session:<id>`, `api-key:<id>`, `cli`).
    public var credential: String?
    /// The person the event is about (whose data was read, whose password changed).
    public var subjectID: UserID?
    /// A dotted name such as `sign-in.success`, `password.changed`, `personal-data.read`.
    public var event: String
    /// Free text with the specifics, never secrets.
    public var detail: String
    public var ip: String?

    public init(
        time: Int64, tenantID: TenantID?, actorID: UserID?, credential: String?, subjectID: UserID?, event: String,
        detail: String = "", ip: String? = nil
    ) {
        self.time = time
        self.tenantID = tenantID
        self.actorID = actorID
        self.credential = credential
        self.subjectID = subjectID
        self.event = event
        self.detail = detail
        self.ip = ip
    }
}

/// A stored audit entry: the event plus its place in the chain.
public struct AuditEntry: Sendable, Equatable {
    public var sequence: Int64
    public var event: AuditEvent
    public var previousHash: String
    public var hash: String
    /// Which digest the hash is (`AuditChainDigest.digest`): 1 covers the address as written, 2 its network.
    public var version: Int

    public init(sequence: Int64, event: AuditEvent, previousHash: String, hash: String, version: Int = 1) {
        self.sequence = sequence
        self.event = event
        self.previousHash = previousHash
        self.hash = hash
        self.version = version
    }
}

/// The outcome of walking the audit chain.
public enum AuditVerification: Sendable, Equatable {
    case intact(entries: Int)
    /// The entry's stored hash does not match its contents: it was edited.
    case changed(sequence: Int64)
    /// An entry is missing before `sequence` (or after the last one, for `sequence` one past the end).
    case removed(sequence: Int64)
    /// The entry's link does not match the previous entry's hash: entries were reordered or replaced.
    case relinked(sequence: Int64)
    /// The trail starts after `sequence` (retention pruned what came before), but no entry of the trail vouches for
    /// that start: entries were removed and the start moved to hide it.
    case anchorUnproven(sequence: Int64)
}

/// Where a pruned trail starts: the sequence and hash of the last entry retention removed.
public struct AuditAnchor: Sendable, Equatable {
    public var sequence: Int64
    public var hash: String

    public init(sequence: Int64, hash: String) {
        self.sequence = sequence
        self.hash = hash
    }

    /// The end of the detail of the `audit.pruned` entry that vouches for this anchor (the entry is chained, so
    /// without the key no one can write one for an anchor of their choosing).
    public var proof: String { "anchor #\(sequence) \(hash)" }

    /// The event a prune appends.
    public static let prunedEvent = "audit.pruned"
}
