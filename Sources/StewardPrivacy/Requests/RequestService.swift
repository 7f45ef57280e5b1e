import Foundation
import StewardAuth
import StewardCore
import StewardStore

/// What the public request form sends.
public struct PublicRequestForm: Sendable {
    public var name: String
    public var email: String
    /// ISO 3166 code, or `OTHER`; decides the deadline when no account has the address.
    public var country: String
    /// A `RequestKind` raw value.
    public var kind: String
    public var details: String
    public var ip: String

    public init(name: String, email: String, country: String, kind: String, details: String, ip: String) {
        self.name = name
        self.email = email
        self.country = country
        self.kind = kind
        self.details = details
        self.ip = ip
    }
}

/// Data-subject requests with statutory deadlines (promises MB-19, MB-21, TM-15).
///
/// A request from the public form waits until the mailed single-use link proves control of the address; only the
/// link's SHA-256 is stored, and its use is a conditional update, so a forged, reused or expired link changes
/// nothing. The clock starts then (or at receipt for a signed-in person, whose session already proves it) and runs
/// by the rules of the person's jurisdiction: the account's country when the address has an account, else the
/// country given on the form. "Do you hold data about me?" is answered automatically at that moment.
public struct RequestService: Sendable {
    public let store: any IdentityStore
    public let declaration: PrivacyDeclaration
    let publicURL: String
    let now: @Sendable () -> Int64
    /// How long a verification link works.
    public var verificationLifetime: Int64 = 24 * 3_600_000
    /// Unconfirmed requests an address may have within a link's lifetime; more are dropped without a mail, so the
    /// form cannot flood someone's mailbox. The form answers the same either way.
    public var maximumPendingPerAddress = 3
    /// Longest free text a request may carry.
    public static let maximumDetailsLength = 4000
    /// Where diagnostic records a request quotes (`d-…`) are linked to the person (promise MS-5): the store itself
    /// when it keeps diagnostics, as every backend does; nil links nothing.
    public var diagnostics: (any DiagnosticsStore)?

    public init(
        store: any IdentityStore, declaration: PrivacyDeclaration, publicURL: String,
        now: @escaping @Sendable () -> Int64 = WallClock.nowMillis
    ) {
        self.store = store
        self.declaration = declaration
        self.publicURL = publicURL
        self.now = now
        self.diagnostics = store as? any DiagnosticsStore
    }

    /// Links the diagnostic records quoted in `text` to `user`, before the request is recorded: a failure leaves
    /// nothing half done, and the person can send the request again.
    func linkQuotedDiagnostics(_ text: String, to user: UserID?, at time: Int64) async throws {
        guard let diagnostics, let user else { return }
        try await DiagnosticsService(store: diagnostics).link(quotedIn: text, to: user, at: time)
    }

    var mail: RequestMail { RequestMail(declaration: declaration, publicURL: publicURL, productName: "Steward") }

    // MARK: The public form

    /// Records a request from someone who is not signed in and mails the verification link. The answer is the same
    /// whether or not an account has the address, so the form tells no one who has an account.
    public func file(_ form: PublicRequestForm) async throws {
        let name = try FieldRules.name(form.name)
        let email = try FieldRules.email(form.email)
        let kind = try Self.kind(form.kind)
        let details = try Self.details(form.details, kind: kind)
        let country = form.country.trimmingCharacters(in: .whitespaces).uppercased()
        guard country == "OTHER" || (country.count == 2 && country.allSatisfy { $0.isASCII && $0.isLetter }) else {
            throw StewardError.badRequest("Choose the country you live in: it decides the deadline for our answer")
        }
        let time = now()
        let account = try await store.account(email: email)
        let jurisdiction = try self.jurisdiction(country: account?.details.jurisdiction ?? country)
        // Links that expired a week ago are gone; until then a late click is told it expired rather than invalid.
        var changes: [IdentityChange] = [.rights(.purgeUnverifiedRequests(before: time - 7 * 86_400_000))]
        let pending = try await store.requests(email: email).filter {
            $0.status == .awaitingVerification && $0.receivedTime > time - verificationLifetime
        }
        if pending.count >= maximumPendingPerAddress {
            try await store.apply(changes)
            return
        }
        let secret = Secrets.token()
        let request = RequestRecord(
            id: UUID().uuidString.lowercased(), tenantID: account?.user.tenantID, userID: account?.user.id, email: email,
            name: name, kind: kind, details: details, jurisdiction: jurisdiction.code, status: .awaitingVerification,
            source: .publicForm, verificationHash: Secrets.sha256Hex(secret), verificationExpires: time + verificationLifetime,
            receivedTime: time)
        changes += [
            .rights(.createRequest(request)),
            .enqueueMail(mail.verify(request, token: secret, lifetimeHours: verificationLifetime / 3_600_000)),
            audit(request, time: time, actor: nil, credential: "public-form", event: "request.filed",
                  "\(kind.rawValue) request \(request.id) awaits proof of the email address", ip: form.ip),
        ]
        try await store.apply(changes)
    }

    /// Follows a verification link: the request opens, its clock starts and the person is mailed the due date (or,
    /// for a confirmation request, the answer). A forged, reused or expired link is refused and changes nothing.
    @discardableResult
    public func verify(token: String, ip: String = "") async throws -> RequestRecord {
        let hash = Secrets.sha256Hex(token)
        guard !token.isEmpty, let request = try await store.request(verificationHash: hash) else {
            throw StewardError.notFound(
                "This link is not valid, so nothing was changed. Copy the whole link from the mail, or file the request again at \(publicURL)/privacy/request")
        }
        if request.status != .awaitingVerification {
            throw StewardError.conflict(
                "This link was already used: request \(request.id) was confirmed on \(UTCTime.format(request.verifiedTime ?? request.receivedTime)). Each link works once; nothing was changed")
        }
        let time = now()
        if (request.verificationExpires ?? 0) <= time {
            throw StewardError.conflict(
                "This link has expired (links work for \(verificationLifetime / 3_600_000) hours), so nothing was changed. File the request again at \(publicURL)/privacy/request for a new one")
        }
        let jurisdiction = try self.jurisdiction(code: request.jurisdiction)
        let clock = RequestDeadlines(jurisdiction: jurisdiction, start: time)
        var opened = request
        opened.status = .open
        opened.verifiedTime = time
        opened.acknowledgeBy = clock.acknowledgeBy
        opened.acknowledgedTime = time
        opened.dueTime = clock.due
        // The link proved control of the address, so the account that has it may take the records quoted.
        try await linkQuotedDiagnostics(request.details, to: request.userID, at: time)
        var changes: [IdentityChange] = [
            .rights(.verifyRequest(id: request.id, hash: hash, at: time, acknowledgeBy: clock.acknowledgeBy, due: clock.due)),
            audit(request, time: time, actor: nil, credential: "email-link", event: "request.verified",
                  "\(request.kind.rawValue) request \(request.id) confirmed; due \(UTCTime.format(clock.due)) (\(jurisdiction.code))", ip: ip),
        ]
        changes += try await answerOrAcknowledge(opened, jurisdiction: jurisdiction, at: time)
        try await store.apply(changes)
        return try await store.request(id: request.id) ?? opened
    }

    // MARK: Signed-in people

    /// Files a request from a signed-in session: no mail round trip, the clock starts now, and the receipt (or the
    /// answer to a confirmation request) is mailed at once.
    @discardableResult
    public func file(by user: User, kind kindText: String, details detailsText: String, ip: String) async throws -> RequestRecord {
        let kind = try Self.kind(kindText)
        let details = try Self.details(detailsText, kind: kind)
        let time = now()
        let jurisdiction = try await jurisdiction(of: user)
        let clock = RequestDeadlines(jurisdiction: jurisdiction, start: time)
        let request = RequestRecord(
            id: UUID().uuidString.lowercased(), tenantID: user.tenantID, userID: user.id, email: user.email,
            name: user.firstName, kind: kind, details: details, jurisdiction: jurisdiction.code, status: .open,
            source: .selfService, receivedTime: time, acknowledgeBy: clock.acknowledgeBy, acknowledgedTime: time,
            dueTime: clock.due)
        try await linkQuotedDiagnostics(details, to: user.id, at: time)
        var changes: [IdentityChange] = [
            .rights(.createRequest(request)),
            audit(request, time: time, actor: user.id, credential: "session", event: "request.filed",
                  "\(kind.rawValue) request \(request.id); due \(UTCTime.format(clock.due)) (\(jurisdiction.code))", ip: ip),
        ]
        changes += try await answerOrAcknowledge(request, jurisdiction: jurisdiction, at: time)
        try await store.apply(changes)
        return try await store.request(id: request.id) ?? request
    }

    /// Records a request the person carried out themselves in My Account (an export, a deactivation, an erasure) as
    /// done at once, with its jurisdiction and due date, so it is on record like any other. For an erasure, call it
    /// before the account is erased, or pass the person's `country` (or a jurisdiction code), so it is still known.
    @discardableResult
    public func recordSelfService(
        user: User, kind: RequestKind, outcome: String, country: String? = nil, ip: String = ""
    ) async throws -> RequestRecord {
        let jurisdiction: Jurisdiction
        if let country {
            jurisdiction = try self.jurisdiction(country: country)
        } else {
            jurisdiction = try await self.jurisdiction(of: user)
        }
        let request = selfServiceRecord(user: user, kind: kind, outcome: outcome, jurisdiction: jurisdiction, at: now())
        try await store.apply([
            .rights(.createRequest(request)),
            audit(request, time: request.receivedTime, actor: user.id, credential: "session", event: "request.self-service",
                  "\(kind.rawValue) request \(request.id) done in My Account", ip: ip),
        ])
        return request
    }

    /// The done record of a self-service request, for callers that apply it inside a transaction of their own
    /// (`.rights(.createRequest(record))`).
    public func selfServiceRecord(user: User, kind: RequestKind, outcome: String, jurisdiction: Jurisdiction, at time: Int64) -> RequestRecord {
        let clock = RequestDeadlines(jurisdiction: jurisdiction, start: time)
        return RequestRecord(
            id: UUID().uuidString.lowercased(), tenantID: user.tenantID, userID: user.id, email: user.email,
            name: user.firstName, kind: kind, details: "", jurisdiction: jurisdiction.code, status: .done,
            source: .selfService, receivedTime: time, acknowledgeBy: clock.acknowledgeBy, acknowledgedTime: time,
            dueTime: clock.due, closedTime: time, closedBy: user.id, outcome: outcome)
    }

    /// Every request a person made: those filed under their account and those made with their address before
    /// (or without) an account, oldest first. Unconfirmed public-form requests are included; they are theirs too.
    public func requests(of user: User) async throws -> [RequestRecord] {
        var seen: Set<String> = []
        return (try await store.requests(user: user.id) + store.requests(email: user.email))
            .filter { seen.insert($0.id).inserted }
            .sorted { ($0.receivedTime, $0.id) < ($1.receivedTime, $1.id) }
    }

    // MARK: Shared steps

    /// The mail that follows an opened request: the receipt with its due date, or, for "do you hold data about
    /// me?", the answer itself, which also closes the request.
    func answerOrAcknowledge(_ request: RequestRecord, jurisdiction: Jurisdiction, at time: Int64) async throws -> [IdentityChange] {
        guard request.kind == .confirmation else {
            return [.enqueueMail(mail.received(request, jurisdiction: jurisdiction, due: request.dueTime ?? time))]
        }
        let held = try await DataInventory(store: store, declaration: declaration)
            .categories(email: request.email, at: time, apartFrom: request.id)
        let answer = confirmationAnswer(held)
        return [
            .rights(.closeRequest(id: request.id, status: .done, outcome: answer, by: nil, at: time)),
            .enqueueMail(mail.confirmationAnswer(request, answer: answer)),
        ]
    }

    /// "Yes, these categories" or "no", in words, with what the request itself leaves behind. It is also the
    /// request's stored outcome, so it speaks of "you", never of the address (contact details are stored sealed only).
    func confirmationAnswer(_ held: [DataCategory]) -> String {
        let kept = declaration.retentionRule(for: "user.privacy_request").map { " for \(Durations.words($0.period))" } ?? ""
        guard !held.isEmpty else {
            return "No. We hold no personal data about you, apart from the record of this request, which we keep\(kept) to prove it was answered."
        }
        return "Yes. We hold data about you in these categories: \(held.map(\.name).joined(separator: "; ")). Each is described, with its purpose, legal basis and retention, in our privacy policy at \(publicURL)/privacy."
    }

    /// The rules for a country (an account's stored country or the one given on the form).
    func jurisdiction(country: String) throws(StewardError) -> Jurisdiction {
        guard let rule = declaration.jurisdiction(forCountry: country) else { throw Self.noJurisdictions }
        return rule
    }

    /// The rules recorded on a request; `OTHER` if the declaration no longer has them.
    func jurisdiction(code: String) throws(StewardError) -> Jurisdiction {
        if let rule = declaration.jurisdictions.first(where: { $0.code == code }) { return rule }
        return try jurisdiction(country: "OTHER")
    }

    func jurisdiction(of user: User) async throws -> Jurisdiction {
        try jurisdiction(country: try await store.account(id: user.id)?.details.jurisdiction ?? "OTHER")
    }

    static let noJurisdictions = StewardError(
        .unavailable, "The privacy declaration declares no jurisdictions, so no request deadline can be set; add one with code OTHER")

    static func kind(_ text: String) throws(StewardError) -> RequestKind {
        guard let kind = RequestKind(rawValue: text.trimmingCharacters(in: .whitespaces).lowercased()) else {
            throw .badRequest(
                "Choose what you are asking for: \(RequestKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return kind
    }

    static func details(_ text: String, kind: RequestKind) throws(StewardError) -> String {
        let details = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if details.count > maximumDetailsLength {
            throw .badRequest("The details are longer than \(maximumDetailsLength) characters; shorten them")
        }
        if details.isEmpty, kind == .rectification || kind == .objection {
            throw .badRequest(
                kind == .rectification
                    ? "Say what is wrong and what it should be, so we can correct it"
                    : "Say which processing you object to, and why if it rests on our legitimate interests")
        }
        return details
    }

    func audit(
        _ request: RequestRecord, time: Int64, actor: UserID?, credential: String, event: String, _ detail: String, ip: String
    ) -> IdentityChange {
        .audit(
            AuditEvent(
                time: time, tenantID: request.tenantID, actorID: actor, credential: credential, subjectID: request.userID,
                event: event, detail: detail, ip: ip.isEmpty ? nil : ip))
    }
}
