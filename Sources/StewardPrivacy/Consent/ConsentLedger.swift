import StewardAuth
import StewardCore
import StewardStore

/// Consent to the purposes that rest on it: recorded in the append-only ledger with the policy version and the
/// hash of the notice shown; the current state is the newest entry per purpose.
public struct ConsentLedger: Sendable {
    public let store: any IdentityStore
    public let declaration: PrivacyDeclaration
    let now: @Sendable () -> Int64

    public init(store: any IdentityStore, declaration: PrivacyDeclaration, now: @escaping @Sendable () -> Int64 = WallClock.nowMillis) {
        self.store = store
        self.declaration = declaration
        self.now = now
    }

    /// The purposes a person may consent to.
    public var consentPurposes: [Purpose] { declaration.purposes.filter(\.needsConsent) }

    /// The newest entry per purpose.
    public func current(_ user: UserID) async throws -> [String: ConsentRecord] {
        var newest: [String: ConsentRecord] = [:]
        for record in try await store.consentHistory(subject: ConsentRecord.subject(user)) where newest[record.purpose] == nil {
            newest[record.purpose] = record
        }
        return newest
    }

    /// Every entry about the person, newest first.
    public func history(of user: UserID) async throws -> [ConsentRecord] {
        try await store.consentHistory(subject: ConsentRecord.subject(user))
    }

    /// Whether the purpose has consent now.
    public func isGiven(_ purpose: String, by user: UserID) async throws -> Bool {
        try await current(user)[purpose]?.state == .given
    }

    /// Gives, refuses or withdraws consent to one purpose. Giving consent to a purpose an active GPC or DNT signal
    /// switches off needs `confirmedOverSignal`, and is recorded as such.
    public func decide(
        _ user: User, purpose key: String, give: Bool, method: ConsentRecord.Method, signals: PrivacySignals,
        confirmedOverSignal: Bool, from client: ClientInfo
    ) async throws {
        guard let purpose = declaration.purpose(key), purpose.needsConsent else {
            throw StewardError.badRequest("'\(key)' is not a purpose that asks for consent")
        }
        var method = method
        if give, signals.switchesOff(purpose) {
            guard confirmedOverSignal else {
                throw StewardError.conflict(
                    "Your browser asks sites not to use your data for \(purpose.name) (Global Privacy Control or Do Not Track). Tick the confirmation to opt in anyway")
            }
            method = .formOverSignal
        }
        let previous = try await current(user.id)[key]?.state
        let state: ConsentRecord.State = give ? .given : (previous == .given ? .withdrawn : .refused)
        try await store.apply([
            .recordConsent(record(user.id, purpose, state, method, client)),
            .audit(
                AuditEvent(
                    time: now(), tenantID: user.tenantID, actorID: user.id, credential: nil, subjectID: user.id,
                    event: "consent.\(state.rawValue)", detail: "\(key) by \(method.rawValue)", ip: client.ip)),
        ])
    }

    /// Records that a GPC or DNT signal switched purposes off for this person, unless the ledger already says so or
    /// the person opted in explicitly over the signal.
    @discardableResult
    public func applySignals(_ signals: PrivacySignals, for user: UserID, from client: ClientInfo) async throws -> [String] {
        guard signals.gpc || signals.dnt else { return [] }
        let current = try await current(user)
        var changes: [IdentityChange] = []
        for purpose in consentPurposes {
            guard let method = signals.method(for: purpose) else { continue }
            let entry = current[purpose.key]
            if entry?.method == .formOverSignal && entry?.state == .given { continue }
            if entry?.state != .given && (entry?.method == .gpc || entry?.method == .dnt) { continue }
            let state: ConsentRecord.State = entry?.state == .given ? .withdrawn : .refused
            changes.append(.recordConsent(record(user, purpose, state, method, client)))
        }
        if !changes.isEmpty { try await store.apply(changes) }
        return changes.count == 0 ? [] : consentPurposes.filter { signals.method(for: $0) != nil }.map(\.key)
    }

    /// The optional purposes the cookie banner asks about.
    public var bannerPurposes: [Purpose] { declaration.purposes.filter { $0.needsConsent && $0.optional } }

    /// What a visitor chose in the cookie banner.
    public enum BannerChoice: Sendable {
        case acceptAll
        case rejectAll
        /// Only these purposes (keys); others are refused.
        case only(Set<String>)
    }

    /// Records a cookie-banner choice for `subject` (`user:<id>`, or `visitor:<id>` before sign-in): one entry per
    /// banner purpose, given or refused. A purpose an active GPC or DNT signal switches off is never offered, so
    /// "accept all" does not turn it on; such an entry is recorded with the signal as its method. Returns the purposes
    /// now allowed.
    @discardableResult
    public func recordBannerChoice(
        _ choice: BannerChoice, subject: String, signals: PrivacySignals, from client: ClientInfo
    ) async throws -> Set<String> {
        let offered = Set(bannerPurposes.filter { !signals.switchesOff($0) }.map(\.key))
        let allowed: Set<String>
        switch choice {
        case .acceptAll: allowed = offered
        case .rejectAll: allowed = []
        case .only(let keys): allowed = keys.intersection(offered)
        }
        try await store.apply(
            bannerPurposes.map { purpose in
                .recordConsent(
                    record(
                        subject: subject, purpose, allowed.contains(purpose.key) ? .given : .refused,
                        signals.method(for: purpose) ?? .banner, client))
            })
        return allowed
    }

    /// Carries a cookie-banner choice made before signing in (`visitor:<id>`) into the person's own ledger, so
    /// Consents shows it instead of "not asked": for each banner purpose, the visitor's newest entry is recorded for
    /// the person (same state and method, the banner's policy version and notice) when it is newer than the person's
    /// own current entry. Idempotent: once carried, the person's entry is the newer one. Returns the purposes carried.
    @discardableResult
    public func adoptVisitorChoice(visitor: String, for user: UserID, from client: ClientInfo) async throws -> [String] {
        guard !visitor.isEmpty else { return [] }
        var newest: [String: ConsentRecord] = [:]
        for entry in try await store.consentHistory(subject: "visitor:\(visitor)") where newest[entry.purpose] == nil {
            newest[entry.purpose] = entry
        }
        guard !newest.isEmpty else { return [] }
        let own = try await current(user)
        var changes: [IdentityChange] = []
        var carried: [String] = []
        for purpose in bannerPurposes {
            guard let choice = newest[purpose.key] else { continue }
            if let mine = own[purpose.key], mine.time >= choice.time { continue }
            var entry = choice
            entry.subject = ConsentRecord.subject(user)
            entry.time = max(now(), choice.time)
            entry.client = client.client
            entry.networkPrefix = client.ip.isEmpty ? "unknown" : client.network
            changes.append(.recordConsent(entry))
            carried.append(purpose.key)
        }
        if !changes.isEmpty { try await store.apply(changes) }
        return carried
    }

    func record(_ user: UserID, _ purpose: Purpose, _ state: ConsentRecord.State, _ method: ConsentRecord.Method, _ client: ClientInfo) -> ConsentRecord {
        record(subject: ConsentRecord.subject(user), purpose, state, method, client)
    }

    /// A ledger entry for any subject (`user:<id>`, or `visitor:<id>` for the cookie banner before sign-in).
    public func record(
        subject: String, _ purpose: Purpose, _ state: ConsentRecord.State, _ method: ConsentRecord.Method, _ client: ClientInfo
    ) -> ConsentRecord {
        ConsentRecord(
            subject: subject, purpose: purpose.key, state: state, policyVersion: declaration.version,
            noticeHash: noticeHash(purpose), method: method, time: now(), client: client.client,
            networkPrefix: client.ip.isEmpty ? "unknown" : client.network)
    }

    /// The hash of the notice a person saw for a purpose: its name and description under this policy version.
    public func noticeHash(_ purpose: Purpose) -> String {
        Secrets.sha256Hex("\(declaration.version)\n\(purpose.key)\n\(purpose.name)\n\(purpose.description)")
    }
}
