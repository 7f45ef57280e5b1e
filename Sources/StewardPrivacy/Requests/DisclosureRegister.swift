import Foundation
import StewardCore
import StewardStore

/// What staff enter to record a disclosure.
public struct NewDisclosure: Sendable {
    /// The address of the account whose data was disclosed.
    public var subjectEmail: String
    /// A declared `authority` recipient, by name.
    public var recipient: String
    public var categories: [String]
    public var what: String
    public var legalGround: String
    public var disclosedTime: Int64
    public var restrictedUntil: Int64?
    public var restrictionReason: String?

    public init(
        subjectEmail: String, recipient: String, categories: [String], what: String, legalGround: String, disclosedTime: Int64,
        restrictedUntil: Int64? = nil, restrictionReason: String? = nil
    ) {
        self.subjectEmail = subjectEmail
        self.recipient = recipient
        self.categories = categories
        self.what = what
        self.legalGround = legalGround
        self.disclosedTime = disclosedTime
        self.restrictedUntil = restrictedUntil
        self.restrictionReason = restrictionReason
    }
}

/// The register of disclosures to courts and authorities (promise TB-8): what, to whom, on which ground, when.
///
/// Data goes only to a recipient the declaration names as an `authority` for the purpose and categories
/// (`RecipientRegister`). A disclosure appears in the person's access report unless a recorded legal restriction
/// (a court's non-disclosure order, an ongoing investigation) forbids telling them; then it stays hidden from
/// them, and from anything they could read (their audit entries, a tenant they administer), until the date the
/// restriction names.
public struct DisclosureRegister: Sendable {
    public let store: any IdentityStore
    public let declaration: PrivacyDeclaration
    let now: @Sendable () -> Int64
    /// The declared purpose disclosures serve.
    public static let purpose = "legal_requests"

    public init(store: any IdentityStore, declaration: PrivacyDeclaration, now: @escaping @Sendable () -> Int64 = WallClock.nowMillis) {
        self.store = store
        self.declaration = declaration
        self.now = now
    }

    /// The declared authorities disclosures may go to.
    public var authorities: [Recipient] {
        declaration.recipients.filter { $0.kind == .authority && $0.purposes.contains(Self.purpose) }
    }

    /// Records a disclosure. Only the operator's system administrators record them: a disclosure is made by the
    /// controller, and a tenant administrator could be the person concerned.
    @discardableResult
    public func record(_ entry: NewDisclosure, by viewer: User, ip: String = "") async throws -> DisclosureRecord {
        guard viewer.authority == .systemAdmin else {
            throw StewardError.forbidden("Only the operator's system administrators record disclosures to authorities")
        }
        let email = entry.subjectEmail.trimmingCharacters(in: .whitespaces)
        guard let account = try await store.account(email: email) else {
            throw StewardError.notFound(
                "No account has the address '\(email.prefix(80))'; a disclosure is recorded against the account whose data was disclosed")
        }
        let categories = entry.categories.filter { !$0.isEmpty }
        guard !categories.isEmpty else { throw StewardError.badRequest("Tick the categories of data that were disclosed") }
        let recipient = try RecipientRegister(declaration: declaration).require(
            entry.recipient, kind: .authority, purpose: Self.purpose, categories: categories)
        let what = try Self.text(entry.what, label: "The description", missing: "Describe what was disclosed")
        let ground = try Self.text(
            entry.legalGround, label: "The legal ground", missing: "Give the legal ground (the order, statute or request reference)")
        let time = now()
        guard entry.disclosedTime <= time else { throw StewardError.badRequest("The date of the disclosure is in the future") }
        let reason = entry.restrictionReason?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        switch (entry.restrictedUntil, reason.isEmpty) {
        case (nil, false):
            throw StewardError.badRequest("Give the date until which the restriction forbids telling the person")
        case (.some(let until), _) where until <= time:
            throw StewardError.badRequest("The restriction's end date has passed; leave it empty if the person may be told")
        case (.some, true):
            throw StewardError.badRequest("Give the legal reason for the restriction (the order or provision that forbids telling the person)")
        default:
            break
        }
        let record = DisclosureRecord(
            id: UUID().uuidString.lowercased(), tenantID: account.user.tenantID, userID: account.user.id,
            recipient: recipient.name, categories: categories, what: what, legalGround: ground, disclosedTime: entry.disclosedTime,
            recordedTime: time, recordedBy: viewer.id, restrictedUntil: entry.restrictedUntil,
            restrictionReason: reason.isEmpty ? nil : reason)
        let restricted = record.restrictedUntil != nil
        // A restricted entry's audit line is system-level and names no one, so neither the person nor the tenant
        // they administer can read it in the audit trail before the restriction ends.
        let audit = AuditEvent(
            time: time, tenantID: restricted ? nil : record.tenantID, actorID: viewer.id, credential: "console",
            subjectID: restricted ? nil : record.userID, event: "disclosure.recorded",
            detail: "disclosure \(record.id) to \(recipient.name)"
                + (restricted ? ", restricted until \(UTCTime.format(record.restrictedUntil ?? 0))" : ""),
            ip: ip.isEmpty ? nil : ip)
        try await store.apply([.rights(.recordDisclosure(record)), .audit(audit)])
        return record
    }

    /// The disclosures the person may see now: unrestricted ones and those whose restriction has ended.
    public func visible(to user: UserID) async throws -> [DisclosureRecord] {
        let time = now()
        return try await store.disclosures(of: user).filter { $0.isVisible(at: time) }
    }

    /// The register as the viewer may read it: everything for system administrators; for a tenant administrator,
    /// the unrestricted entries about the other people of their tenant.
    public func entries(for viewer: User) async throws -> [DisclosureRecord] {
        let scope = try StaffScope(viewer: viewer)
        let time = now()
        return try await store.disclosures(tenant: scope.tenant).filter {
            scope == .all || (scope.covers(tenant: $0.tenantID, user: $0.userID) && $0.isVisible(at: time))
        }
    }

    static func text(_ value: String, label: String, missing: String) throws(StewardError) -> String {
        let text = value.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { throw .badRequest(missing) }
        guard text.count <= 2000 else { throw .badRequest("\(label) is longer than 2000 characters") }
        return text
    }
}
