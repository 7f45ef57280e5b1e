import StewardAuth
import StewardCore
import StewardStore

/// Deletes a person's account and personal data (promises TB-12, MS-3, TB-5): every row about them goes in one
/// transaction; readings the declaration keeps as statistics are folded into daily aggregates without device or
/// person first; what a legal hold names stays and is listed. The answer is a receipt the person can download.
public struct AccountEraser: Sendable {
    let store: any PersonalDataStore
    let identity: any IdentityStore
    let declaration: PrivacyDeclaration
    let receiptKey: [UInt8]
    /// Waits until readings accepted before the erasure are committed, so none lands after it.
    let flushTelemetry: @Sendable () async throws -> Void
    let now: @Sendable () -> Int64

    public init(
        store: any PersonalDataStore, identity: any IdentityStore, declaration: PrivacyDeclaration, receiptKey: [UInt8],
        flushTelemetry: @escaping @Sendable () async throws -> Void, now: @escaping @Sendable () -> Int64 = WallClock.nowMillis
    ) {
        self.store = store
        self.identity = identity
        self.declaration = declaration
        self.receiptKey = receiptKey
        self.flushTelemetry = flushTelemetry
        self.now = now
    }

    public struct Outcome: Sendable {
        public var receipt: ErasureReceiptRecord
        public var counts: ErasureCounts
        /// The path (with its signature) where the receipt can be downloaded without an account.
        public var receiptPath: String
    }

    /// What erasing this person will keep and why, to say plainly before they confirm.
    public func whatStays() -> [(what: String, why: String)] {
        declaration.retention.compactMap { rule in
            guard let hold = rule.legalHold else { return nil }
            return ("\(declaration.category(rule.category)?.name ?? rule.category) (kept \(Durations.words(rule.period)))", hold)
        } + [("A record that your request was honoured (this receipt, which names no one)", "To prove we erased your data when asked (GDPR Art. 5(2))")]
    }

    /// Erases the person. `actor` is who asked (the person themselves, or staff acting on a request).
    public func erase(_ user: UserID, actor: String, ip: String = "") async throws -> Outcome {
        guard let account = try await identity.account(id: user) else {
            throw StewardError.notFound("No account with id \(user); it may already have been erased")
        }
        // Readings accepted before the erasure are committed first, so none lands after it.
        try await flushTelemetry()
        // The rules, not the devices: which devices concern the person is decided inside the deleting transaction.
        let aggregatedCategories = self.declaration.telemetry.categoryKeys.filter {
            self.declaration.retentionRule(for: $0)?.then == .aggregate
        }
        let time = now()
        let receiptID = Secrets.token(bytes: 12)
        let requests = RequestService(store: identity, declaration: declaration, publicURL: "", now: now)
        let jurisdiction =
            declaration.jurisdiction(forCountry: account.details.jurisdiction ?? "OTHER") ?? declaration.jurisdictions[0]
        let honoured = requests.selfServiceRecord(
            user: account.user, kind: .erasure, outcome: "Account and personal data erased; receipt \(receiptID)",
            jurisdiction: jurisdiction, at: time)
        let plan = ErasurePlan(
            user: user, email: account.user.email, telemetry: self.declaration.telemetry, aggregatedCategories: aggregatedCategories,
            receipt: ErasureReceiptRecord(id: receiptID, time: time, body: ""), receiptWording: Self.receiptWording(declaration),
            audit: AuditEvent(
                time: time, tenantID: account.user.tenantID, actorID: nil, credential: actor, subjectID: user, event: "account.erased",
                detail: "all personal data erased; receipt \(receiptID)", ip: ip),
            changes: [
                .rights(.createRequest(honoured)),
                // The records of what was asked and answered stay (legal hold) under a pseudonym, not the address.
                .rights(.pseudonymizeRequests(user: user, email: account.user.email, pseudonym: "erased:\(receiptID)")),
            ])
        var fullPlan = plan
        fullPlan.otherRecipients = account.details.parentEmail.map { [$0] } ?? []
        let counts = try await store.erase(fullPlan)
        // The erasure has committed; purging what the backend keeps besides the tables is best effort (it does so later too).
        try? await store.purgeErasedRemnants()
        guard let receipt = try await store.receipt(id: receiptID) else {
            throw StewardError(.internal, "The erasure committed but its receipt cannot be read back")
        }
        return Outcome(receipt: receipt, counts: counts, receiptPath: receiptPath(receiptID))
    }

    public func receiptPath(_ id: String) -> String {
        "/privacy/receipt/\(id)?t=\(Secrets.hmacHex(key: receiptKey, "receipt\n\(id)"))"
    }

    public func receiptSignatureIsValid(id: String, signature: String) -> Bool {
        Secrets.constantTimeEquals(signature, Secrets.hmacHex(key: receiptKey, "receipt\n\(id)"))
    }

    /// The receipt's wording from the declaration: who the controller is, and why and how long what stays is kept.
    static func receiptWording(_ declaration: PrivacyDeclaration) -> ErasureReceiptWording {
        let requests = declaration.retentionRule(for: "user.privacy_request")
        let audit = declaration.retentionRule(for: "system.audit")
        var wording = ErasureReceiptWording(controller: declaration.controller.name, policyVersion: declaration.version)
        if let legalHold = requests?.legalHold { wording.requestsLegalHold = legalHold }
        if let requests { wording.requestsKeptFor = Durations.words(requests.period) }
        if let legalHold = audit?.legalHold { wording.auditLegalHold = legalHold }
        if let audit { wording.auditKeptFor = "\(Durations.words(audit.period)) after each event" }
        return wording
    }
}

/// Deactivation (promise MS-18d): the account stops working everywhere at once (sessions, JWTs, keys) but keeps its
/// data for the declared period; a password reset from the mailed link reactivates it.
public struct AccountDeactivation: Sendable {
    let identity: any IdentityStore
    let publicURL: String
    let now: @Sendable () -> Int64

    public init(identity: any IdentityStore, publicURL: String, now: @escaping @Sendable () -> Int64 = WallClock.nowMillis) {
        self.identity = identity
        self.publicURL = publicURL
        self.now = now
    }

    public func deactivate(_ user: User, from client: ClientInfo) async throws {
        let time = now()
        try await identity.apply([
            .setStatus(user.id, .deactivated),
            .revokeAllSessions(user.id, at: time),
            .revokeAllAPIKeys(user.id, at: time),
            .enqueueMail(
                NewMail(
                    recipient: user.email, subject: "Your account is deactivated",
                    textBody: """
                        Your account was deactivated at \(UTCTime.format(time)). It cannot be used, every session and API key is ended, and your data is kept as our privacy policy says (\(publicURL)/privacy).

                        To reactivate it, open \(publicURL)/forgot-password and follow the link we mail you.
                        To delete it instead, reactivate it and use Delete Account under My Account.
                        """)),
            .audit(
                AuditEvent(
                    time: time, tenantID: user.tenantID, actorID: user.id, credential: nil, subjectID: user.id, event: "account.deactivated",
                    ip: client.ip)),
        ])
    }
}
