import StewardAuth
import StewardCore
import StewardStore

/// Notices changes of the privacy declaration between runs and acts on them (promises TM-18, MS-23, TM-7).
///
/// The first run with a new version records it. A material change mails every account holder through the outbox,
/// expires every consent given under the old text (those purposes stay off until the person answers again) and
/// puts a notice in front of each person at their next sign-in. A new or changed subprocessor is mailed even when
/// the rest of the change is not material. A version that drops a right granted before is refused unless its
/// change-log entry says so and asks each person's explicit consent.
public struct PolicyChangeService: Sendable {
    public let store: any IdentityStore
    public let declaration: PrivacyDeclaration
    let publicURL: String
    let now: @Sendable () -> Int64

    public init(
        store: any IdentityStore, declaration: PrivacyDeclaration, publicURL: String,
        now: @escaping @Sendable () -> Int64 = WallClock.nowMillis
    ) {
        self.store = store
        self.declaration = declaration
        self.publicURL = publicURL
        self.now = now
    }

    /// What loading the declaration did.
    public enum Outcome: Sendable, Equatable {
        /// The version was recorded before; nothing changed.
        case unchanged
        /// The first version this Steward runs with; nothing to announce.
        case first
        /// A new version: how many people were mailed, and how many given consents were expired.
        case changed(mailed: Int, consentsExpired: Int)
    }

    /// Records the running version and announces what changed since the previous one. Throws, changing nothing,
    /// when the version drops a right without being marked as accepted by explicit consent, or when the rights or
    /// subprocessors changed under an old version number.
    @discardableResult
    public func recordLoaded() async throws -> Outcome {
        let versions = try await store.policyVersions()
        let current = record()
        if let same = versions.first(where: { $0.version == current.version }) {
            guard same.rights == current.rights, same.processors == current.processors else {
                throw StewardError.conflict(
                    "The privacy declaration changes its rights or subprocessors but keeps version \(current.version). Give it a new `version`, add a change-log entry for it, and start again, so account holders are told (promise TM-7)")
            }
            return .unchanged
        }
        guard let previous = versions.last else {
            try await store.apply([.recordPolicyVersion(current), audit("policy.version", "first version \(current.version)")])
            return .first
        }
        let dropped = previous.rights.filter { !current.rights.contains($0) }
        let change = declaration.currentChange
        if !dropped.isEmpty, !(change?.narrowsRights == true && change?.acceptedByExplicitConsent == true) {
            throw StewardError.conflict(
                "Version \(current.version) drops the right(s) \(dropped.joined(separator: ", ")) that version \(previous.version) grants. A change never narrows a person's rights without their explicit consent (promise MS-23): restore the right(s), or mark the change-log entry narrowsRights: true and acceptedByExplicitConsent: true so each person is asked to agree explicitly at sign-in")
        }
        let added = current.processors.filter { !previous.processors.contains($0) }
        let removed = previous.processors.filter { !current.processors.contains($0) }
        var changes: [IdentityChange] = [.recordPolicyVersion(current)]
        var mailed = 0
        var expired = 0
        if current.material || !added.isEmpty || !removed.isEmpty {
            let ledger = ConsentLedger(store: store, declaration: declaration, now: now)
            for account in try await store.accountHolders() {
                if current.material {
                    for (purpose, entry) in try await ledger.current(account.user.id) where entry.state == .given {
                        guard let declared = declaration.purpose(purpose), declared.needsConsent else { continue }
                        changes.append(
                            .recordConsent(ledger.record(account.user.id, declared, .expired, .policyChange, ClientInfo(ip: "", client: "steward"))))
                        expired += 1
                    }
                }
                changes.append(.enqueueMail(mail(to: account.user, previous: previous, added: added, removed: removed)))
                mailed += 1
            }
        }
        changes.append(
            audit(
                "policy.version",
                "version \(current.version) after \(previous.version): material \(current.material), \(added.count) subprocessor line(s) added, \(removed.count) removed, \(mailed) account holder(s) mailed, \(expired) consent(s) asked again"
            ))
        try await store.apply(changes)
        return .changed(mailed: mailed, consentsExpired: expired)
    }

    /// The record of the running declaration.
    public func record() -> PolicyVersionRecord {
        let change = declaration.currentChange
        return PolicyVersionRecord(
            // A change that narrows a right is material whatever its entry says: each person must agree to it.
            version: declaration.version, effectiveDate: declaration.effectiveDate,
            material: (change?.material ?? false) || (change?.narrowsRights ?? false),
            narrowsRights: change?.narrowsRights ?? false, summary: change?.summary ?? "",
            rights: declaration.rights.map(\.key.rawValue), processors: RecipientRegister(declaration: declaration).processorLines,
            loadedTime: now())
    }

    func mail(to user: User, previous: PolicyVersionRecord, added: [String], removed: [String]) -> NewMail {
        let material = (declaration.currentChange?.material ?? false) || (declaration.currentChange?.narrowsRights ?? false)
        var lines = [
            "Hello\(user.firstName.map { " \($0)" } ?? ""),", "",
        ]
        if material {
            lines += [
                "our privacy policy changes. Version \(declaration.version) takes effect on \(declaration.effectiveDate) and replaces version \(previous.version).",
                "", "What changes:", declaration.currentChange?.summary ?? "", "",
            ]
            let asked = declaration.purposes.filter(\.needsConsent).map(\.name)
            if !asked.isEmpty {
                lines += [
                    "Anything that rests on your consent (\(asked.joined(separator: "; "))) is switched off until you answer again; we ask at your next sign-in, or at \(publicURL)/account/consents.",
                    "",
                ]
            }
            if declaration.currentChange?.narrowsRights == true {
                lines += ["This change narrows a right. It applies to you only if you agree explicitly at your next sign-in.", ""]
            }
        } else {
            lines += ["the list of service providers (subprocessors) that process personal data for us changes with version \(declaration.version) of our privacy policy.", ""]
        }
        if !added.isEmpty { lines += ["New or changed subprocessors:"] + added.map { "- \($0)" } + [""] }
        if !removed.isEmpty { lines += ["No longer used in this form:"] + removed.map { "- \($0)" } + [""] }
        lines += [
            "The whole policy, with its change log: \(publicURL)/privacy",
            "If you do not agree, you can export your data or delete your account under My Account, or write to \(declaration.controller.email).",
            "", "This is a service message; it is sent even if you opted out of news.",
        ]
        let subject =
            material ? "Our privacy policy changes on \(declaration.effectiveDate)" : "Our list of subprocessors changes"
        return NewMail(recipient: user.email, subject: subject, textBody: lines.joined(separator: "\n"))
    }

    func audit(_ event: String, _ detail: String) -> IdentityChange {
        .audit(AuditEvent(time: now(), tenantID: nil, actorID: nil, credential: "policy", subjectID: nil, event: event, detail: detail))
    }

    // MARK: The notice at sign-in

    /// What a person has to see (and possibly agree to) before using the console after a material change.
    public struct Notice: Sendable, Equatable {
        /// The versions since the person's last agreement, oldest first, material ones only.
        public var changes: [PolicyVersionRecord]
        /// The person must tick an explicit agreement (a change narrows a right).
        public var needsExplicitAgreement: Bool
        /// Consent purposes whose consent a policy change expired, to be asked again.
        public var purposesToAsk: [Purpose]
    }

    /// The notice pending for `account`, or nil. The baseline is the newest version the person agreed to, or the
    /// version that was running when the account was created.
    public func pendingNotice(for account: AccountRecord) async throws -> Notice? {
        let versions = try await store.policyVersions()
        guard let lastMaterial = versions.lastIndex(where: \.material) else { return nil }
        let agreed = try await store.agreements(of: account.user.id).compactMap { agreement in
            versions.firstIndex { $0.version == agreement.policyVersion }
        }
        let atCreation = versions.lastIndex { $0.loadedTime <= account.user.createdTime } ?? 0
        let baseline = max(agreed.max() ?? 0, atCreation)
        guard lastMaterial > baseline else { return nil }
        let newer = Array(versions[(baseline + 1)...]).filter(\.material)
        let ledger = ConsentLedger(store: store, declaration: declaration, now: now)
        let current = try await ledger.current(account.user.id)
        let ask = ledger.consentPurposes.filter { current[$0.key]?.state == .expired }
        return Notice(changes: newer, needsExplicitAgreement: newer.contains(where: \.narrowsRights), purposesToAsk: ask)
    }

    /// Records the person's answer to the notice: the agreement to the running version and a fresh choice for each
    /// purpose asked again (`answers`: purpose → give).
    public func acknowledge(
        _ account: AccountRecord, notice: Notice, explicitAgreement: Bool, answers: [String: Bool], signals: PrivacySignals = .none,
        confirmedOverSignal: Bool = false, from client: ClientInfo
    ) async throws {
        if notice.needsExplicitAgreement, !explicitAgreement {
            throw StewardError.badRequest(
                "This change narrows a right, so it applies to you only with your explicit agreement: tick the box to agree, or export your data and delete your account instead")
        }
        let ledger = ConsentLedger(store: store, declaration: declaration, now: now)
        var changes: [IdentityChange] = [
            .recordAgreement(
                PolicyAgreement(
                    userID: account.user.id, policyVersion: declaration.version, time: now(),
                    method: notice.needsExplicitAgreement ? "explicit-consent-at-sign-in" : "notice-at-sign-in", ip: client.ip,
                    client: client.client))
        ]
        for purpose in notice.purposesToAsk {
            guard let give = answers[purpose.key] else {
                throw StewardError.badRequest("Answer yes or no for \(purpose.name); it stays off until you do")
            }
            var method = ConsentRecord.Method.policyNotice
            if give, signals.switchesOff(purpose) {
                // As on the consents page: an opt-in over GPC/DNT must be confirmed, and is recorded as such.
                guard confirmedOverSignal else {
                    throw StewardError.conflict(
                        "Your browser asks sites not to use your data for \(purpose.name) (Global Privacy Control or Do Not Track). Tick the confirmation to opt in anyway, or answer no")
                }
                method = .formOverSignal
            }
            changes.append(.recordConsent(ledger.record(account.user.id, purpose, give ? .given : .refused, method, client)))
        }
        changes.append(
            .audit(
                AuditEvent(
                    time: now(), tenantID: account.user.tenantID, actorID: account.user.id, credential: nil,
                    subjectID: account.user.id, event: "policy.agreed", detail: "version \(declaration.version) at sign-in",
                    ip: client.ip)))
        try await store.apply(changes)
    }
}
