import Foundation
import StewardCore
import StewardStore

/// What the sign-up form sends. Nothing else is asked: name, email, password, and what the age gate and the
/// policy agreement need.
public struct SignUpRequest: Sendable {
    public var name: String
    public var email: String
    public var password: String
    /// ISO 3166 code from `AgeGate.jurisdictions`.
    public var jurisdiction: String
    /// Used only to decide whether a parent must consent; never stored.
    public var birthYear: Int?
    public var parentEmail: String?
    public var agreedToPolicyVersion: String?
    public var ip: String
    public var client: String

    public init(
        name: String, email: String, password: String, jurisdiction: String, birthYear: Int?, parentEmail: String?,
        agreedToPolicyVersion: String?, ip: String, client: String
    ) {
        self.name = name
        self.email = email
        self.password = password
        self.jurisdiction = jurisdiction
        self.birthYear = birthYear
        self.parentEmail = parentEmail
        self.agreedToPolicyVersion = agreedToPolicyVersion
        self.ip = ip
        self.client = client
    }
}

/// Self-service sign-up: one form creates a tenant of one's own and its administrator, who must confirm the email
/// (and, below the age of digital consent, have a parent confirm) before signing in.
public struct SignUpService: Sendable {
    public let store: any IdentityStore
    public let hasher: PasswordHasher
    public let configuration: IdentityConfiguration
    public var passwordPolicy = PasswordPolicy()
    let mail: AccountMail
    let now: @Sendable () -> Int64

    public init(
        store: any IdentityStore, hasher: PasswordHasher, configuration: IdentityConfiguration,
        now: @escaping @Sendable () -> Int64 = WallClock.nowMillis
    ) {
        self.store = store
        self.hasher = hasher
        self.configuration = configuration
        self.mail = AccountMail(configuration: configuration)
        self.now = now
    }

    /// Validates the form and, if valid, creates the pending account with its confirmation mail in one
    /// transaction. The answer is the same whether or not the email was already registered, in content and in the
    /// work done before it (one bcrypt hash at the configured cost, one transaction); the owner of an existing address
    /// gets a mail instead.
    ///
    /// Every mail sent here counts against the account-mail allowance of its address and of the client (see
    /// `MailAllowance`): beyond it the answer is still the same, but nothing is written, neither the mail nor the
    /// account it would confirm, so nobody can make Steward mail (or create tenants for) address after address. Before
    /// any of that, a client may send `signUpsPerClient` valid forms in `signUpWindow`; beyond, the form is refused
    /// with 429 before the password is hashed (that limit is the client's own and tells nothing about any address).
    public func signUp(_ request: SignUpRequest) async throws {
        guard configuration.openSignUp else {
            throw StewardError.forbidden("Sign-up is closed on this server; ask an administrator for an account")
        }
        let checked = check(request)
        if let first = checked.problems.first { throw first.error }
        guard let name = checked.name, let email = checked.email, let jurisdiction = checked.jurisdiction else {
            throw StewardError.badRequest("Fill in the form")
        }
        let parentEmail = checked.parentEmail
        let needsParent = parentEmail != nil
        let time = now()
        let client = ClientInfo(ip: request.ip, client: request.client)
        let attempt = AttemptLimit(
            kind: "sign-up", client: client.rateLimitKey, time: time, window: configuration.signUpWindow,
            perClient: configuration.signUpsPerClient)
        guard try await store.grantAttempt(attempt) else {
            throw StewardError(
                .tooManyRequests,
                "Too many sign-ups from your network in the last \(Self.duration(configuration.signUpWindow)). Try again later")
        }
        let existing = try await store.account(email: email)
        // The same bcrypt work and one write transaction either way, so the time taken does not tell them apart.
        let hash = await hasher.hash(request.password)
        if existing != nil {
            try await store.apply([
                .withinMailAllowance(
                    configuration.mailAllowance("sign-up-existing", to: email, from: client, at: time),
                    then: [.enqueueMail(mail.signUpForExistingAccount(to: email))])
            ])
            return
        }
        let tenant = Tenant(name: "\(name.prefix(200)) (\(RandomToken.alphanumeric(length: 6)))", createdTime: time)
        let user = User(
            tenantID: tenant.id, customerID: nil, email: email, authority: .tenantAdmin, firstName: name, createdTime: time)
        let details = AccountDetails(
            status: .awaitingEmail, jurisdiction: jurisdiction.code,
            ageBasis: needsParent ? AgeBasis.parentPending : AgeBasis.selfDeclared, parentEmail: parentEmail)
        let confirm = Secrets.token()
        var changes: [IdentityChange] = [
            .createTenant(tenant),
            .createProfile(DeviceProfile(tenantID: tenant.id, name: "default", isDefault: true, createdTime: time)),
            .createUser(user, passwordHash: hash, details: details),
            .issueToken(
                OneTimeToken(
                    hash: Secrets.sha256Hex(confirm), userID: user.id, purpose: .confirmEmail, createdTime: time,
                    expiresTime: time + configuration.confirmationLinkLifetime)),
            .enqueueMail(mail.confirmEmail(to: email, name: name, token: confirm)),
            .recordAgreement(
                PolicyAgreement(
                    userID: user.id, policyVersion: configuration.policyVersion, time: time, method: "sign-up-form",
                    ip: request.ip, client: request.client)),
            .audit(
                AuditEvent(
                    time: time, tenantID: tenant.id, actorID: user.id, credential: "sign-up", subjectID: user.id,
                    event: "account.created", detail: "self-service sign-up, jurisdiction \(jurisdiction.code)",
                    ip: request.ip)),
        ]
        if let parentEmail {
            let parentToken = Secrets.token()
            // Anyone can name any address as a parent's, so these mails count against that address's allowance too.
            changes.append(
                .withinMailAllowance(
                    configuration.mailAllowance("parent-consent", to: parentEmail, from: client, at: time),
                    then: [
                        .issueToken(
                            OneTimeToken(
                                hash: Secrets.sha256Hex(parentToken), userID: user.id, purpose: .parentConsent, createdTime: time,
                                expiresTime: time + configuration.parentLinkLifetime)),
                        .enqueueMail(mail.parentConsent(to: parentEmail, childName: name, childEmail: email, token: parentToken)),
                    ]))
        }
        // The account exists only with its confirmation mail: over the client's allowance, neither is made. It does
        // not count for the address: whoever asked for mail to it first must not keep its owner from signing up.
        try await store.apply([
            .withinMailAllowance(
                configuration.mailAllowance("sign-up-confirm", to: email, from: client, at: time, perAddress: false), then: changes)
        ])
    }

    /// "hour", "2 hours", "30 minutes": a window as the sign-up form says it.
    static func duration(_ millis: Int64) -> String {
        let minutes = max(millis / 60_000, 1)
        if minutes % 60 == 0 { return minutes == 60 ? "hour" : "\(minutes / 60) hours" }
        return minutes == 1 ? "minute" : "\(minutes) minutes"
    }

    /// A link never re-opens an account that was switched off.
    static func requireNotDisabled(_ record: AccountRecord) throws(StewardError) {
        if record.details.status == .disabled { throw .forbidden("This account is deactivated; the link no longer applies") }
    }

    /// Whether the person may be below the age of consent. The birth year alone cannot tell whether this year's
    /// birthday has passed, so the youngest possible age is used.
    /// One field the sign-up form got wrong, named as the form names it (`name`, `email`, `password`,
    /// `jurisdiction`, `birth_year`, `parent_email`, `agree_policy`), with what to do.
    public struct Problem: Sendable {
        public var field: String
        public var error: StewardError
        public var message: String { error.message }
    }

    /// Every rule of the form at once, so the page can show each field's problem next to it instead of one per
    /// submit. `signUp` throws the first of these; nothing here reads the store.
    public func problems(_ request: SignUpRequest) -> [Problem] { check(request).problems }

    struct Checked {
        var problems: [Problem] = []
        var name: String?
        var email: String?
        var jurisdiction: AgeGate.Jurisdiction?
        var parentEmail: String?
    }

    func check(_ request: SignUpRequest) -> Checked {
        var out = Checked()
        func attempt<T>(_ field: String, _ rule: () throws(StewardError) -> T) -> T? {
            do throws(StewardError) { return try rule() } catch {
                out.problems.append(Problem(field: field, error: error))
                return nil
            }
        }
        out.name = attempt("name") { () throws(StewardError) in try FieldRules.name(request.name) }
        out.email = attempt("email") { () throws(StewardError) in try FieldRules.email(request.email) }
        let email = out.email ?? request.email
        _ = attempt("password") { () throws(StewardError) in try passwordPolicy.check(request.password, email: email) }
        out.jurisdiction = attempt("jurisdiction") { () throws(StewardError) in
            guard let found = AgeGate.jurisdiction(request.jurisdiction) else { throw .badRequest("Choose the country you live in") }
            return found
        }
        if let jurisdiction = out.jurisdiction {
            let needsParent = attempt("birth_year") { () throws(StewardError) in
                try Self.needsParent(birthYear: request.birthYear, jurisdiction: jurisdiction, now: now())
            }
            if needsParent == true {
                out.parentEmail = attempt("parent_email") { () throws(StewardError) in
                    guard let given = request.parentEmail, !given.trimmingCharacters(in: .whitespaces).isEmpty else {
                        throw .badRequest(
                            "In \(jurisdiction.name) you need a parent's consent below \(jurisdiction.ageOfConsent): enter a parent's email")
                    }
                    let parent = try FieldRules.email(given)
                    guard parent != out.email else { throw .badRequest("The parent's email must be a different address") }
                    return parent
                }
            }
        } else if request.birthYear == nil {
            out.problems.append(Problem(field: "birth_year", error: .badRequest("Enter your year of birth (four digits)")))
        }
        _ = attempt("agree_policy") { () throws(StewardError) in
            guard request.agreedToPolicyVersion == configuration.policyVersion else {
                throw .badRequest("Please read the privacy policy and tick the box to agree to it")
            }
        }
        return out
    }

    static func needsParent(birthYear: Int?, jurisdiction: AgeGate.Jurisdiction, now: Int64) throws(StewardError) -> Bool {
        let currentYear = Calendar(identifier: .gregorian).component(
            .year, from: Date(timeIntervalSince1970: TimeInterval(now) / 1000))
        guard let birthYear, birthYear > currentYear - 120, birthYear <= currentYear else {
            throw .badRequest("Enter your year of birth (four digits)")
        }
        return currentYear - birthYear - 1 < jurisdiction.ageOfConsent
    }

    /// Follows a confirmation link: the address is verified and, unless a parent still has to consent, the account
    /// opens.
    public func confirmEmail(token: String) async throws -> User {
        let (record, hash) = try await OneTimeLinks.valid(token, purpose: .confirmEmail, store: store, now: now())
        try Self.requireNotDisabled(record)
        let time = now()
        let waitsForParent = record.details.ageBasis == AgeBasis.parentPending
        try await store.apply([
            .consumeToken(hash: hash, purpose: .confirmEmail, at: time),
            .markEmailVerified(record.user.id, at: time),
            .setStatus(
                record.user.id,
                record.details.status == .active ? .active : (waitsForParent ? .awaitingParent : .active)),
            .audit(
                AuditEvent(
                    time: time, tenantID: record.user.tenantID, actorID: record.user.id, credential: "email-link",
                    subjectID: record.user.id, event: "account.email-confirmed")),
        ])
        return record.user
    }

    /// A parent follows their link and consents; the consent is recorded like a policy agreement.
    public func confirmParentConsent(token: String, ip: String, client: String) async throws -> User {
        let (record, hash) = try await OneTimeLinks.valid(token, purpose: .parentConsent, store: store, now: now())
        try Self.requireNotDisabled(record)
        let time = now()
        var changes: [IdentityChange] = [
            .consumeToken(hash: hash, purpose: .parentConsent, at: time),
            .setAgeBasis(record.user.id, AgeBasis.parentConsented),
            .recordAgreement(
                PolicyAgreement(
                    userID: record.user.id, policyVersion: configuration.policyVersion, time: time,
                    // The address the link went to is the account's parent address, stored sealed there (MS-6).
                    method: "parent-email", ip: ip, client: client)),
            .audit(
                AuditEvent(
                    time: time, tenantID: record.user.tenantID, actorID: nil, credential: "parent-link",
                    subjectID: record.user.id, event: "account.parent-consented", ip: ip)),
        ]
        if record.details.emailVerifiedTime != nil && record.details.status == .awaitingParent {
            changes.append(.setStatus(record.user.id, .active))
        }
        try await store.apply(changes)
        return record.user
    }
}

/// How an account passed the age gate.
public enum AgeBasis {
    public static let selfDeclared = "self-declared"
    public static let parentPending = "parental-consent-pending"
    public static let parentConsented = "parental-consent"
}
