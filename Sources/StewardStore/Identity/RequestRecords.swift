import StewardCore

/// What a person asks for in a data-subject request (GDPR Art. 15–22, CCPA §1798.100–.125).
public enum RequestKind: String, Sendable, CaseIterable {
    case access
    case export
    case rectification
    case erasure
    case restriction
    case objection
    case deactivation
    /// "Do you hold data about me?" (promise TM-15): answered automatically once the address is proven.
    case confirmation

    /// How the kind reads in pages and mail.
    public var title: String {
        switch self {
        case .access: return "a copy of my data (access)"
        case .export: return "my data in a portable format (export)"
        case .rectification: return "correct my data (rectification)"
        case .erasure: return "delete my data (erasure)"
        case .restriction: return "restrict the processing of my data"
        case .objection: return "object to processing"
        case .deactivation: return "deactivate my account"
        case .confirmation: return "whether you hold data about me"
        }
    }
}

/// Where a request stands. Only `open` and `extended` requests are on the staff queue.
public enum RequestStatus: String, Sendable, CaseIterable {
    /// Filed through the public form; nothing happens until the mailed link proves control of the address.
    case awaitingVerification = "awaiting-verification"
    case open
    /// The deadline was extended; the person was told the new date and why.
    case extended
    case done
    case refused

    public var isClosed: Bool { self == .done || self == .refused }
}

/// How a request reached Steward; it decides when the statutory clock starts.
public enum RequestSource: String, Sendable, CaseIterable {
    /// From a signed-in session (the session proves who asks): the clock starts at receipt.
    case selfService = "self-service"
    /// From the public form: the clock starts when the mailed link is followed.
    case publicForm = "public-form"
    /// Entered by staff for a request that arrived another way (letter, phone).
    case staff
}

/// One data-subject request with its statutory clock. Kept after the request closes, and after an erasure, as
/// proof that it was honoured (a declared legal hold).
public struct RequestRecord: Sendable, Equatable {
    public var id: String
    /// The tenant whose administrators handle it; nil for people without an account and for system users, whose
    /// requests only the operator's staff see.
    public var tenantID: TenantID?
    public var userID: UserID?
    public var email: String
    public var name: String?
    public var kind: RequestKind
    public var details: String
    /// The code of the declaration's jurisdiction whose deadlines apply (`GDPR`, `CCPA`, `AT`, `OTHER`…).
    public var jurisdiction: String
    public var status: RequestStatus
    public var source: RequestSource
    /// SHA-256 of the mailed verification secret; nil for requests that needed none.
    public var verificationHash: String?
    public var verificationExpires: Int64?
    public var receivedTime: Int64
    public var verifiedTime: Int64?
    /// The date by which receipt must be confirmed (CCPA: 10 business days), when the jurisdiction has one.
    public var acknowledgeBy: Int64?
    public var acknowledgedTime: Int64?
    public var dueTime: Int64?
    public var extendedDueTime: Int64?
    public var extensionReason: String?
    /// When the person was mailed the extension and its reason; always before the first due date.
    public var extensionNotifiedTime: Int64?
    public var closedTime: Int64?
    public var closedBy: UserID?
    public var outcome: String?

    public init(
        id: String, tenantID: TenantID?, userID: UserID?, email: String, name: String?, kind: RequestKind, details: String,
        jurisdiction: String, status: RequestStatus, source: RequestSource, verificationHash: String? = nil,
        verificationExpires: Int64? = nil, receivedTime: Int64, verifiedTime: Int64? = nil, acknowledgeBy: Int64? = nil,
        acknowledgedTime: Int64? = nil, dueTime: Int64? = nil, extendedDueTime: Int64? = nil, extensionReason: String? = nil,
        extensionNotifiedTime: Int64? = nil, closedTime: Int64? = nil, closedBy: UserID? = nil, outcome: String? = nil
    ) {
        self.id = id
        self.tenantID = tenantID
        self.userID = userID
        self.email = email
        self.name = name
        self.kind = kind
        self.details = details
        self.jurisdiction = jurisdiction
        self.status = status
        self.source = source
        self.verificationHash = verificationHash
        self.verificationExpires = verificationExpires
        self.receivedTime = receivedTime
        self.verifiedTime = verifiedTime
        self.acknowledgeBy = acknowledgeBy
        self.acknowledgedTime = acknowledgedTime
        self.dueTime = dueTime
        self.extendedDueTime = extendedDueTime
        self.extensionReason = extensionReason
        self.extensionNotifiedTime = extensionNotifiedTime
        self.closedTime = closedTime
        self.closedBy = closedBy
        self.outcome = outcome
    }

    /// The date the answer is owed by now: the extended date once extended, else the first.
    public var effectiveDueTime: Int64? { extendedDueTime ?? dueTime }
}

/// A complaint about how Steward's operator handles personal data (promise MB-24).
public struct ComplaintRecord: Sendable, Equatable {
    public var id: String
    public var tenantID: TenantID?
    public var userID: UserID?
    public var name: String?
    public var email: String
    public var text: String
    public var receivedTime: Int64

    public init(id: String, tenantID: TenantID?, userID: UserID?, name: String?, email: String, text: String, receivedTime: Int64) {
        self.id = id
        self.tenantID = tenantID
        self.userID = userID
        self.name = name
        self.email = email
        self.text = text
        self.receivedTime = receivedTime
    }
}

/// A disclosure of a person's data to an authority (promise TB-8): what, to whom, on which ground, when. It shows
/// in the person's access report unless a recorded legal restriction forbids telling them yet.
public struct DisclosureRecord: Sendable, Equatable {
    public var id: String
    public var tenantID: TenantID?
    public var userID: UserID
    /// The declared `authority` recipient, by its declared name.
    public var recipient: String
    /// Declared category keys that were disclosed.
    public var categories: [String]
    /// What was handed over, in words.
    public var what: String
    /// The legal ground (the order, statute or request reference).
    public var legalGround: String
    public var disclosedTime: Int64
    public var recordedTime: Int64
    public var recordedBy: UserID?
    /// Until this time a legal restriction (a gag order, an ongoing investigation) forbids telling the person.
    public var restrictedUntil: Int64?
    public var restrictionReason: String?

    public init(
        id: String, tenantID: TenantID?, userID: UserID, recipient: String, categories: [String], what: String,
        legalGround: String, disclosedTime: Int64, recordedTime: Int64, recordedBy: UserID?, restrictedUntil: Int64? = nil,
        restrictionReason: String? = nil
    ) {
        self.id = id
        self.tenantID = tenantID
        self.userID = userID
        self.recipient = recipient
        self.categories = categories
        self.what = what
        self.legalGround = legalGround
        self.disclosedTime = disclosedTime
        self.recordedTime = recordedTime
        self.recordedBy = recordedBy
        self.restrictedUntil = restrictedUntil
        self.restrictionReason = restrictionReason
    }

    /// True when the person may see it at `time`: no restriction, or the restriction has ended.
    public func isVisible(at time: Int64) -> Bool { restrictedUntil.map { $0 <= time } ?? true }
}

/// Changes to requests, complaints and the disclosure register, applied inside an `IdentityStore` transaction
/// with the mail and audit entries that go with them.
public enum RightsChange: Sendable {
    case createRequest(RequestRecord)
    /// Opens a request filed through the public form. Fails with `conflict` unless the hash matches a request that
    /// is still awaiting verification and whose link has not expired, so a link works once, even when two
    /// clicks race.
    case verifyRequest(id: String, hash: String, at: Int64, acknowledgeBy: Int64?, due: Int64)
    /// Fails with `conflict` unless the request is open (not yet extended) and its first due date is after `at`.
    case extendRequest(id: String, until: Int64, reason: String, at: Int64)
    /// Fails with `conflict` unless the request is open or extended.
    case closeRequest(id: String, status: RequestStatus, outcome: String, by: UserID?, at: Int64)
    /// Forgets public-form requests whose link expired before `before` and was never followed.
    case purgeUnverifiedRequests(before: Int64)
    /// Replaces the address and name on a person's requests and complaints with `pseudonym` (and drops the free
    /// text of their requests), for an erasure that must leave no trace of the address: the records still prove
    /// what was asked and answered when, under the pseudonym an erasure receipt can name.
    case pseudonymizeRequests(user: UserID, email: String, pseudonym: String)
    case recordComplaint(ComplaintRecord)
    case recordDisclosure(DisclosureRecord)
}
