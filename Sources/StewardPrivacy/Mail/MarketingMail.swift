import Foundation
import StewardAuth
import StewardCore
import StewardStore

/// News and feature announcements by mail (promises TB-11, MS-22, MB-26, HA-10).
///
/// A mail goes only to a person for whom the purpose check allows `marketing` on their email address: consent
/// given, not withdrawn, no GPC/DNT opt-out recorded. Every mail carries an unsubscribe link and RFC 8058
/// one-click `List-Unsubscribe`; unsubscribing withdraws the consent in the ledger at once. Mail is plain text with
/// no remote images, so nothing can track whether it was opened. Announcements are rare: at most one per
/// `minimumInterval`. Service and security mail never goes through here and is unaffected by an opt-out.
public struct MarketingMail: Sendable {
    public static let purpose = "marketing"
    public static let category = "user.contact.email"

    let store: any IdentityStore
    let ledger: ConsentLedger
    let publicURL: String
    let linkKey: [UInt8]
    public let minimumInterval: Int64
    let now: @Sendable () -> Int64

    /// - Parameter linkKey: the server secret unsubscribe links are signed with.
    public init(
        store: any IdentityStore, declaration: PrivacyDeclaration, publicURL: String, linkKey: [UInt8],
        minimumInterval: Int64 = 30 * 86_400_000, now: @escaping @Sendable () -> Int64 = WallClock.nowMillis
    ) {
        self.store = store
        self.ledger = ConsentLedger(store: store, declaration: declaration, now: now)
        self.publicURL = publicURL
        self.linkKey = linkKey
        self.minimumInterval = minimumInterval
        self.now = now
    }

    public struct Outcome: Sendable, Equatable {
        public var sent: Int
        public var skipped: Int
    }

    /// Queues `text` to every account holder who consented. Refused as a whole when the last announcement is more
    /// recent than `minimumInterval`, or when no declared mail processor receives email addresses for marketing.
    public func announce(subject: String, text: String) async throws -> Outcome {
        let subject = subject.trimmingCharacters(in: .whitespacesAndNewlines)
        let text = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !subject.isEmpty, subject.count <= 200, !subject.contains("\n") else {
            throw StewardError.badRequest("The subject must be one line of 1 to 200 characters")
        }
        guard !text.isEmpty else { throw StewardError.badRequest("The announcement has no text") }
        try RecipientRegister(declaration: ledger.declaration).requireProcessor(
            for: Self.purpose, categories: [Self.category], what: "An announcement")
        let time = now()
        if let last = try await store.lastAnnouncement(), time - last.time < minimumInterval {
            let next = UTCTime.format(last.time + minimumInterval)
            throw StewardError.conflict(
                "The last announcement (\"\(last.subject)\") went out on \(UTCTime.format(last.time)). Announcements are rare: at most one every \(minimumInterval / 86_400_000) days, so the next may go out on \(next)")
        }
        let check = PurposeCheck(ledger: ledger)
        var changes: [IdentityChange] = []
        var skipped = 0
        for account in try await store.activeAccounts() {
            guard case .allowed = try await check.decide(purpose: Self.purpose, category: Self.category, user: account.user) else {
                skipped += 1
                continue
            }
            changes.append(.enqueueMail(mail(to: account.user, subject: subject, text: text)))
        }
        let sent = changes.count
        changes.append(.recordAnnouncement(AnnouncementRecord(time: time, subject: subject, sent: sent, skipped: skipped)))
        changes.append(
            .audit(
                AuditEvent(
                    time: time, tenantID: nil, actorID: nil, credential: "announcement", subjectID: nil, event: "marketing.announcement",
                    detail: "\"\(subject)\": \(sent) sent; \(skipped) left out without marketing consent")))
        try await store.apply(changes)
        return Outcome(sent: sent, skipped: skipped)
    }

    func mail(to user: User, subject: String, text: String) -> NewMail {
        let link = unsubscribeLink(user.id)
        let body = """
            \(text)

            --
            You get this because you switched on news from \(ledger.declaration.controller.name) under My Account → Consents.
            Unsubscribe with one click: \(link)
            Service and security mail about your account keeps coming either way.
            """
        return NewMail(
            recipient: user.email, subject: subject, textBody: body,
            headers: [["List-Unsubscribe", "<\(link)>"], ["List-Unsubscribe-Post", "List-Unsubscribe=One-Click"]])
    }

    /// The signed, non-expiring unsubscribe link for a person.
    public func unsubscribeLink(_ user: UserID) -> String {
        "\(publicURL)/unsubscribe?u=\(user.description)&p=\(Self.purpose)&t=\(signature(user, Self.purpose))"
    }

    func signature(_ user: UserID, _ purpose: String) -> String {
        Secrets.hmacHex(key: linkKey, "unsubscribe\n\(user.description)\n\(purpose)")
    }

    /// The person an unsubscribe link names, when its signature is right.
    public func verify(user: String, purpose: String, signature given: String) -> UserID? {
        guard let id = UserID(user), purpose == Self.purpose, Secrets.constantTimeEquals(given, signature(id, purpose)) else {
            return nil
        }
        return id
    }

    /// Withdraws the consent at once. Returns false when it was not given (nothing to withdraw; a second click
    /// changes nothing).
    @discardableResult
    public func unsubscribe(_ user: UserID, from client: ClientInfo) async throws -> Bool {
        guard try await ledger.isGiven(Self.purpose, by: user), let purpose = ledger.declaration.purpose(Self.purpose),
            let account = try await store.account(id: user)
        else { return false }
        try await store.apply([
            .recordConsent(ledger.record(user, purpose, .withdrawn, .unsubscribe, client)),
            .audit(
                AuditEvent(
                    time: now(), tenantID: account.user.tenantID, actorID: user, credential: "unsubscribe-link", subjectID: user,
                    event: "consent.withdrawn", detail: "\(Self.purpose) by \(ConsentRecord.Method.unsubscribe.rawValue)", ip: client.ip)),
        ])
        return true
    }
}
