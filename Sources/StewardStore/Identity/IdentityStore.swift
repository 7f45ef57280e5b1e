import StewardCore

/// One change to accounts, sessions, keys, mail or the audit trail. Services build a list of changes and the store
/// applies them in one transaction: an account and its confirmation mail, a reset and its token's use, are written
/// together or not at all.
public enum IdentityChange: Sendable {
    case createTenant(Tenant)
    case createProfile(DeviceProfile)
    case createUser(User, passwordHash: String, details: AccountDetails)
    case updateProfile(UserID, firstName: String?, company: String?, phone: String?)
    case setPicture(UserID, bytes: [UInt8]?, contentType: String?)
    case setPasswordHash(UserID, String)
    case setStatus(UserID, AccountStatus)
    case markEmailVerified(UserID, at: Int64)
    case setAgeBasis(UserID, String)
    case issueToken(OneTimeToken)
    /// Marks a token used; the transaction fails with `conflict` when it was already used or has expired, so two
    /// concurrent uses cannot both succeed.
    case consumeToken(hash: String, purpose: TokenPurpose, at: Int64)
    /// Invalidates every unused token of a purpose (a new reset link voids the older ones).
    case voidTokens(UserID, purpose: TokenPurpose, at: Int64)
    case enqueueMail(NewMail)
    case recordAgreement(PolicyAgreement)
    case createSession(Session)
    case promoteSession(id: String, newSecretHash: String?, csrfSecret: String)
    case revokeSession(id: String, userID: UserID, at: Int64)
    /// Replaces the SHA-256 of the one refresh token of an API session that may still be used. Fails with `conflict`
    /// when `from` is not the current one (nil: none was recorded yet), so a refresh token works once, and of two
    /// concurrent uses only one wins.
    case rotateRefreshToken(sessionID: String, from: String?, to: String)
    case revokeAllSessions(UserID, at: Int64)
    case createAPIKey(APIKeyRecord)
    case revokeAPIKey(id: String, userID: UserID, at: Int64)
    case revokeAllAPIKeys(UserID, at: Int64)
    case setSecondFactor(UserID, SecondFactor?, totpSecret: String?)
    case acceptTOTPStep(UserID, step: Int64)
    case replaceRecoveryCodes(UserID, hashes: [String])
    /// Fails with `unauthorized` when the code is unknown or used (it proves nothing).
    case useRecoveryCode(UserID, hash: String, at: Int64)
    case recordSignIn(SignInRecord)
    case lockAccount(UserID, until: Int64?)
    /// Locks sign-in for an address that has no account, exactly as `lockAccount` does for one that has, so the
    /// answers to repeated failures do not tell the two apart.
    case lockAddress(email: String, until: Int64, at: Int64)
    /// Applies `then` only while the allowance's limits hold (see `MailAllowance`); a granted request is recorded, a
    /// refused one changes nothing and fails nothing.
    case withinMailAllowance(MailAllowance, then: [IdentityChange])
    case audit(AuditEvent)
    case recordConsent(ConsentRecord)
    case recordPolicyVersion(PolicyVersionRecord)
    case recordAnnouncement(AnnouncementRecord)
    /// Data-subject requests, complaints and the disclosure register (`RequestRecords.swift`).
    case rights(RightsChange)
}

/// Accounts beyond the data-plane basics: lifecycle, sessions, second factors, keys, sign-in history, policy
/// agreements, the mail outbox and the audit trail.
public protocol IdentityStore: Sendable {
    /// Applies every change in one transaction, in order.
    func apply(_ changes: [IdentityChange]) async throws

    func account(email: String) async throws -> AccountRecord?
    func account(id: UserID) async throws -> AccountRecord?
    func picture(of user: UserID) async throws -> (bytes: [UInt8], contentType: String)?
    func token(hash: String) async throws -> OneTimeToken?

    func session(id: String) async throws -> Session?
    func session(secretHash: String) async throws -> Session?
    func sessions(of user: UserID) async throws -> [Session]
    /// Records activity on a session at most once a minute; not part of any transaction.
    func touchSession(id: String, at: Int64) async throws

    func apiKey(prefix: String) async throws -> APIKeyRecord?
    func apiKeys(of user: UserID) async throws -> [APIKeyRecord]
    func touchAPIKey(id: String, at: Int64, ip: String) async throws
    func unusedRecoveryCodeCount(of user: UserID) async throws -> Int

    func signIns(of user: UserID, limit: Int) async throws -> [SignInRecord]
    /// Failed attempts since `since` for an email (whether or not an account has it), and from a client
    /// (`SignInRecord.clientKey`: an IPv4 address or an IPv6 /64).
    func failedSignIns(email: String, since: Int64) async throws -> Int
    func failedSignIns(clientKey: String, since: Int64) async throws -> Int
    /// Counts one attempt against `limit` in a transaction of its own and answers true, or answers false and records
    /// nothing when the client already made `limit.perClient` attempts of that kind in the window.
    func grantAttempt(_ limit: AttemptLimit) async throws -> Bool
    /// Until when sign-in is locked for an address that has no account (`lockAddress`), if it is now.
    func addressLockedUntil(email: String, at time: Int64) async throws -> Int64?
    /// Distinct (ip, client) pairs of the user's successful sign-ins, newest first.
    func signInPlaces(of user: UserID, limit: Int) async throws -> [SignInPlace]

    func agreements(of user: UserID) async throws -> [PolicyAgreement]

    /// Every declaration version this Steward has run with, oldest first.
    func policyVersions() async throws -> [PolicyVersionRecord]
    /// The newest marketing announcement, if any went out.
    func lastAnnouncement() async throws -> AnnouncementRecord?
    /// Accounts that are open (status active), oldest first: who announcements go to.
    func activeAccounts() async throws -> [AccountRecord]
    /// Every confirmed account, open or switched off (active, deactivated, disabled): who is told of a policy change
    /// and whose consents it expires, so a deactivated account that comes back is asked again too.
    func accountHolders() async throws -> [AccountRecord]

    /// The consent ledger of a subject, newest first.
    func consentHistory(subject: String) async throws -> [ConsentRecord]

    /// Deletes accounts created before `createdBefore` that never opened (email unconfirmed, or a child's account
    /// without a parent's consent), with the tenant each created at sign-up when no one else is in it. Returns the
    /// deleted accounts, so each deletion can be audited.
    func deleteUnopenedAccounts(createdBefore: Int64) async throws -> [User]

    /// Newest first. `tenant` nil with `all` true reads every entry (system administrator).
    func auditEntries(tenant: TenantID?, subject: UserID?, event: String?, limit: Int) async throws -> [AuditEntry]
    func verifyAuditChain() async throws -> AuditVerification

    // MARK: Requests, complaints, disclosures (`RequestRecords.swift`)

    /// Requests of one tenant, or of every tenant when `tenant` is nil (the operator's staff), oldest first.
    func requests(tenant: TenantID?) async throws -> [RequestRecord]
    func request(id: String) async throws -> RequestRecord?
    func request(verificationHash: String) async throws -> RequestRecord?
    /// Requests made with an address, whether or not an account had it then, oldest first.
    func requests(email: String) async throws -> [RequestRecord]
    func requests(user: UserID) async throws -> [RequestRecord]
    /// Complaints of one tenant, or all when `tenant` is nil, newest first.
    func complaints(tenant: TenantID?) async throws -> [ComplaintRecord]
    /// Complaints filed with an address since `since`.
    func complaintCount(email: String, since: Int64) async throws -> Int
    /// Every disclosure about a person, restricted or not, oldest first.
    func disclosures(of user: UserID) async throws -> [DisclosureRecord]
    /// Disclosures about one tenant's people, or all when `tenant` is nil, newest first.
    func disclosures(tenant: TenantID?) async throws -> [DisclosureRecord]
}
