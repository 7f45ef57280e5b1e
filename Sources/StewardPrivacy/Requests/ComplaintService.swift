import Foundation
import StewardAuth
import StewardCore
import StewardStore

/// Complaints about how personal data is handled (promise MB-24). Each is recorded, and the answer, on the page
/// and by mail, names the supervisory authority from the declaration with its contact, and the operator's own
/// privacy contact: a person is never left without somewhere to turn (GDPR Art. 77).
public struct ComplaintService: Sendable {
    public let store: any IdentityStore
    public let declaration: PrivacyDeclaration
    let publicURL: String
    let now: @Sendable () -> Int64
    /// Complaints one address may file a day; beyond that they are still recorded but not mailed, so the form
    /// cannot flood someone's mailbox.
    public var mailsPerAddressPerDay = 3
    public static let maximumLength = 4000
    /// Where diagnostic records a complaint quotes (`d-…`) are linked to the signed-in complainant (promise MS-5):
    /// the store itself when it keeps diagnostics; nil links nothing.
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

    /// Who a complainant can turn to, read from the declaration.
    public struct Answer: Sendable, Equatable {
        public var complaintID: String
        public var authority: SupervisoryAuthority
        public var dpo: ProtectionOfficer?
        public var controller: Controller
    }

    /// Records a complaint from `user` (signed in) or from the name and address given, and mails the answer.
    public func file(name: String?, email: String?, text: String, user: User? = nil, ip: String = "") async throws -> Answer {
        let body = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !body.isEmpty else { throw StewardError.badRequest("Write what your complaint is about") }
        guard body.count <= Self.maximumLength else {
            throw StewardError.badRequest("The complaint is longer than \(Self.maximumLength) characters; shorten it or send the rest by mail")
        }
        let address: String
        let person: String?
        if let user {
            address = user.email
            person = user.firstName
        } else {
            address = try FieldRules.email(email ?? "")
            let given = name?.trimmingCharacters(in: .whitespaces) ?? ""
            person = given.isEmpty ? nil : try FieldRules.name(given)
        }
        let account = user == nil ? try await store.account(email: address) : nil
        let time = now()
        let complaint = ComplaintRecord(
            id: UUID().uuidString.lowercased(), tenantID: user?.tenantID ?? account?.user.tenantID,
            userID: user?.id ?? account?.user.id, name: person, email: address, text: body, receivedTime: time)
        let answer = Answer(
            complaintID: complaint.id, authority: declaration.supervisoryAuthority, dpo: declaration.dpo,
            controller: declaration.controller)
        // Only a signed-in complainant takes the records quoted: an address typed into the public form proves nothing.
        if let user, let diagnostics {
            try await DiagnosticsService(store: diagnostics).link(quotedIn: body, to: user.id, at: time)
        }
        var changes: [IdentityChange] = [.rights(.recordComplaint(complaint))]
        if try await store.complaintCount(email: address, since: time - 86_400_000) < mailsPerAddressPerDay {
            changes.append(.enqueueMail(mail(complaint, answer)))
        }
        changes.append(
            .audit(
                AuditEvent(
                    time: time, tenantID: complaint.tenantID, actorID: user?.id, credential: user == nil ? "public-form" : "session",
                    subjectID: complaint.userID, event: "complaint.recorded", detail: "complaint \(complaint.id)",
                    ip: ip.isEmpty ? nil : ip)))
        try await store.apply(changes)
        return answer
    }

    /// Complaints the viewer handles (their `StaffScope`), newest first.
    public func complaints(for viewer: User) async throws -> [ComplaintRecord] {
        let scope = try StaffScope(viewer: viewer)
        return try await store.complaints(tenant: scope.tenant).filter { scope.covers(tenant: $0.tenantID, user: $0.userID) }
    }

    /// The mail confirms receipt and names where to turn; it does not repeat the complaint's text, so the form
    /// cannot be used to send someone else words of the sender's choosing.
    func mail(_ complaint: ComplaintRecord, _ answer: Answer) -> NewMail {
        let authority = answer.authority
        var lines = [
            "Hello\(complaint.name.map { " \($0)" } ?? ""),", "",
            "we received your complaint on \(UTCTime.format(complaint.receivedTime)) and will look into it.", "",
            "You may also complain to the supervisory authority at any time, in particular where you live or work:",
            authority.name, authority.url,
        ]
        if let address = authority.address { lines.append(address) }
        lines.append("")
        if let dpo = answer.dpo { lines.append("Our data protection officer, \(dpo.name), is at \(dpo.email).") }
        lines += [
            "The controller is \(answer.controller.name), \(answer.controller.email).", "",
            "Your rights and how to use them: \(publicURL)/privacy#rights", "", "Reference: \(complaint.id)",
        ]
        return NewMail(
            recipient: complaint.email, subject: "We received your complaint", textBody: lines.joined(separator: "\n"))
    }
}
