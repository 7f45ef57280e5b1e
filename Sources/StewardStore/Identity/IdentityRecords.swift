import StewardCore

/// Where an account stands in its life: a new account waits for its email (and, for a child, a parent) before it
/// may sign in.
public enum AccountStatus: String, Sendable, Codable {
    /// Signed up; the single-use confirmation link has not been followed yet.
    case awaitingEmail = "awaiting-email"
    /// Email confirmed, but the person is below the age of digital consent and no parent has confirmed yet.
    case awaitingParent = "awaiting-parent"
    case active
    /// Switched off by an administrator; signs in nowhere, keeps its data.
    case disabled
    /// Deactivated by the person (promise MS-18d): signs in nowhere and keeps its data for the declared period; a
    /// password reset from the mailed link reactivates it.
    case deactivated
}

/// The second factor an account signs in with, if any.
public enum SecondFactor: String, Sendable, Codable {
    case totp
    case email
}

/// What a single-use link or code is for. A token of one purpose is never accepted for another.
public enum TokenPurpose: String, Sendable, Codable {
    case confirmEmail = "confirm-email"
    case resetPassword = "reset-password"
    case parentConsent = "parent-consent"
    case signInCode = "sign-in-code"
    /// An administrator invited the person: following the link sets their first password.
    case invitation = "invitation"
}

/// A single-use, expiring secret mailed to a person. Only its SHA-256 is stored.
public struct OneTimeToken: Sendable, Equatable {
    public var hash: String
    public var userID: UserID
    public var purpose: TokenPurpose
    public var createdTime: Int64
    public var expiresTime: Int64
    public var usedTime: Int64?
    public var attempts: Int

    public init(
        hash: String, userID: UserID, purpose: TokenPurpose, createdTime: Int64, expiresTime: Int64, usedTime: Int64? = nil,
        attempts: Int = 0
    ) {
        self.hash = hash
        self.userID = userID
        self.purpose = purpose
        self.createdTime = createdTime
        self.expiresTime = expiresTime
        self.usedTime = usedTime
        self.attempts = attempts
    }
}

/// The profile and security state of an account beyond the ThingsBoard `User` fields.
public struct AccountDetails: Sendable, Equatable {
    public var status: AccountStatus
    public var emailVerifiedTime: Int64?
    public var company: String?
    public var phone: String?
    public var hasPicture: Bool
    /// ISO 3166 code of the jurisdiction declared at sign-up, which set the age gate.
    public var jurisdiction: String?
    /// How the age gate was passed (`AgeBasis`); nil for accounts an administrator created.
    public var ageBasis: String?
    public var parentEmail: String?
    public var secondFactor: SecondFactor?
    public var totpSecret: String?
    /// The last TOTP time step accepted, so a code is never accepted twice.
    public var totpLastStep: Int64?
    public var lockedUntil: Int64?

    public init(
        status: AccountStatus = .active, emailVerifiedTime: Int64? = nil, company: String? = nil, phone: String? = nil,
        hasPicture: Bool = false, jurisdiction: String? = nil, ageBasis: String? = nil, parentEmail: String? = nil,
        secondFactor: SecondFactor? = nil, totpSecret: String? = nil, totpLastStep: Int64? = nil, lockedUntil: Int64? = nil
    ) {
        self.status = status
        self.emailVerifiedTime = emailVerifiedTime
        self.company = company
        self.phone = phone
        self.hasPicture = hasPicture
        self.jurisdiction = jurisdiction
        self.ageBasis = ageBasis
        self.parentEmail = parentEmail
        self.secondFactor = secondFactor
        self.totpSecret = totpSecret
        self.totpLastStep = totpLastStep
        self.lockedUntil = lockedUntil
    }
}

/// Everything sign-in needs about one account, read in one query.
public struct AccountRecord: Sendable, Equatable {
    public var user: User
    public var details: AccountDetails
    public var passwordHash: String

    public init(user: User, details: AccountDetails, passwordHash: String) {
        self.user = user
        self.details = details
        self.passwordHash = passwordHash
    }
}

/// A signed-in session: a browser (cookie) or a program that logged in for a JWT pair. Revoking it ends both the
/// cookie and every JWT that carries its id.
public struct Session: Sendable, Equatable {
    public enum Kind: String, Sendable { case web, api }
    /// Past the password, waiting for the second factor; such a session opens nothing but the factor page.
    public enum Stage: String, Sendable {
        case secondFactor = "second-factor"
        case complete
    }

    public var id: String
    /// SHA-256 of the cookie secret; nil for API sessions, which are carried by signed JWTs.
    public var secretHash: String?
    public var userID: UserID
    public var kind: Kind
    public var stage: Stage
    public var csrfSecret: String
    public var createdTime: Int64
    public var lastSeenTime: Int64
    public var expiresTime: Int64
    public var ip: String
    public var client: String
    public var revokedTime: Int64?
    /// For an API session, the SHA-256 of the id (`jti`) of the only refresh token that may still be used: each
    /// refresh replaces it, and an older one coming back means it was copied, so the session ends.
    public var refreshHash: String?

    public init(
        id: String, secretHash: String?, userID: UserID, kind: Kind, stage: Stage, csrfSecret: String, createdTime: Int64,
        lastSeenTime: Int64, expiresTime: Int64, ip: String, client: String, revokedTime: Int64? = nil, refreshHash: String? = nil
    ) {
        self.id = id
        self.secretHash = secretHash
        self.userID = userID
        self.kind = kind
        self.stage = stage
        self.csrfSecret = csrfSecret
        self.createdTime = createdTime
        self.lastSeenTime = lastSeenTime
        self.expiresTime = expiresTime
        self.ip = ip
        self.client = client
        self.revokedTime = revokedTime
        self.refreshHash = refreshHash
    }

    public func isLive(at now: Int64) -> Bool { revokedTime == nil && expiresTime > now }
}

/// What an application key may do.
public enum APIKeyRole: String, Sendable, CaseIterable {
    /// Everything its owner may do.
    case full
    /// Reads only: any request that is not GET is refused.
    case readOnly = "read-only"
}

/// An application key. The secret is shown once at creation; only its SHA-256 is kept.
public struct APIKeyRecord: Sendable, Equatable {
    public var id: String
    /// The public part of the key (`stw_<prefix>_…`), used to find the record without scanning.
    public var prefix: String
    public var secretHash: String
    public var userID: UserID
    public var tenantID: TenantID?
    public var name: String
    public var role: APIKeyRole
    public var createdTime: Int64
    public var lastUsedTime: Int64?
    public var lastUsedIP: String?
    public var revokedTime: Int64?

    public init(
        id: String, prefix: String, secretHash: String, userID: UserID, tenantID: TenantID?, name: String, role: APIKeyRole,
        createdTime: Int64, lastUsedTime: Int64? = nil, lastUsedIP: String? = nil, revokedTime: Int64? = nil
    ) {
        self.id = id
        self.prefix = prefix
        self.secretHash = secretHash
        self.userID = userID
        self.tenantID = tenantID
        self.name = name
        self.role = role
        self.createdTime = createdTime
        self.lastUsedTime = lastUsedTime
        self.lastUsedIP = lastUsedIP
        self.revokedTime = revokedTime
    }
}

/// One sign-in attempt, kept so the person can see where their account was used and so risk rules can count.
public struct SignInRecord: Sendable, Equatable {
    public enum Outcome: String, Sendable {
        case success
        case wrongPassword = "wrong-password"
        case unknownAccount = "unknown-account"
        /// The right password of an account whose address is not confirmed yet; answered and counted like a wrong
        /// password, since whoever signed up with someone else's address knows the password they chose.
        case notConfirmed = "not-confirmed"
        /// The right password of an account that is switched off, deactivated or waiting for a parent's consent.
        case closed = "account-closed"
        case locked
        case throttled
        case wrongFactor = "wrong-factor"
        case awaitingFactor = "awaiting-factor"
    }

    public var time: Int64
    public var email: String
    public var userID: UserID?
    public var ip: String
    /// Who counts as one client for the per-network sign-in block: the IPv4 address, or the IPv6 /64
    /// (`ClientInfo.rateLimitKey`), so a client cannot get more guesses by changing the low bits of its address.
    public var clientKey: String
    public var client: String
    public var outcome: Outcome
    /// A success from an address range or client never seen for this account before.
    public var newPlace: Bool

    /// `clientKey` nil: the address itself.
    public init(
        time: Int64, email: String, userID: UserID?, ip: String, clientKey: String? = nil, client: String, outcome: Outcome,
        newPlace: Bool = false
    ) {
        self.time = time
        self.email = email
        self.userID = userID
        self.ip = ip
        self.clientKey = clientKey ?? ip
        self.client = client
        self.outcome = outcome
        self.newPlace = newPlace
    }
}

/// The record that a person agreed to a specific version of the privacy policy.
public struct PolicyAgreement: Sendable, Equatable {
    public var userID: UserID
    public var policyVersion: String
    public var time: Int64
    /// How the agreement was given, e.g. `sign-up-form`.
    public var method: String
    public var ip: String
    public var client: String

    public init(userID: UserID, policyVersion: String, time: Int64, method: String, ip: String, client: String) {
        self.userID = userID
        self.policyVersion = policyVersion
        self.time = time
        self.method = method
        self.ip = ip
        self.client = client
    }
}

/// A mail to put in the outbox, sent by the background sender after the transaction that wrote it commits.
public struct NewMail: Sendable, Equatable {
    public var recipient: String
    public var subject: String
    public var textBody: String
    public var htmlBody: String?
    /// Extra header lines as (name, value).
    public var headers: [[String]]

    public init(recipient: String, subject: String, textBody: String, htmlBody: String? = nil, headers: [[String]] = []) {
        self.recipient = recipient
        self.subject = subject
        self.textBody = textBody
        self.htmlBody = htmlBody
        self.headers = headers
    }
}

/// Where a successful sign-in came from.
public struct SignInPlace: Sendable, Equatable {
    public var ip: String
    public var client: String

    public init(ip: String, client: String) {
        self.ip = ip
        self.client = client
    }
}
