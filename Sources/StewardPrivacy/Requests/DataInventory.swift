import StewardCore
import StewardStore

/// Which declared categories of data Steward holds about an email address: the automatic answer to "do you hold
/// data about me?" (promise TM-15). It looks at what is actually stored (a phone only if one was given), not at
/// what the declaration allows, and names categories by the declaration's words.
public struct DataInventory: Sendable {
    public let store: any IdentityStore
    public let declaration: PrivacyDeclaration

    public init(store: any IdentityStore, declaration: PrivacyDeclaration) {
        self.store = store
        self.declaration = declaration
    }

    /// The declared categories held about `email` at `time`, in the declaration's order. `request` is left out of
    /// the requests counted: the request being answered is not a reason to say "yes". A disclosure still under a
    /// legal restriction is not counted either, so the answer cannot give it away.
    public func categories(email: String, at time: Int64, apartFrom request: String? = nil) async throws -> [DataCategory] {
        var keys: Set<String> = []
        if let account = try await store.account(email: email) {
            keys.formUnion(try await accountKeys(account, at: time, apartFrom: request))
        } else if try await store.failedSignIns(email: email, since: 0) > 0 {
            // Attempts to sign in with an address no account has are kept like any sign-in record.
            keys.formUnion(["user.account.sign_in_history", "user.device.ip_address", "user.device.client"])
        }
        let earlier = try await store.requests(email: email).contains { $0.id != request }
        let complained = try await store.complaintCount(email: email, since: 0) > 0
        if earlier || complained { keys.insert("user.privacy_request") }
        return declaration.categories.filter { keys.contains($0.key) }
    }

    func accountKeys(_ account: AccountRecord, at time: Int64, apartFrom request: String?) async throws -> Set<String> {
        let user = account.user
        let details = account.details
        var keys: Set<String> = ["user.contact.email", "user.authorization.password"]
        if user.firstName != nil || user.lastName != nil { keys.insert("user.name") }
        if details.phone != nil { keys.insert("user.contact.phone_number") }
        if details.company != nil { keys.insert("user.account.company") }
        if details.hasPicture { keys.insert("user.content.self_image") }
        if details.jurisdiction != nil { keys.insert("user.account.jurisdiction") }
        if details.ageBasis != nil { keys.insert("user.account.age_gate") }
        if details.parentEmail != nil { keys.insert("user.childrens.parent_email") }
        if details.secondFactor != nil { keys.insert("user.authorization.second_factor") }
        if try await !store.apiKeys(of: user.id).isEmpty { keys.insert("user.authorization.api_key") }
        if try await !store.sessions(of: user.id).isEmpty {
            keys.formUnion(["user.authorization.session", "user.device.ip_address", "user.device.client"])
        }
        if try await !store.signIns(of: user.id, limit: 1).isEmpty {
            keys.formUnion(["user.account.sign_in_history", "user.device.ip_address", "user.device.client"])
        }
        let agreed = try await !store.agreements(of: user.id).isEmpty
        let chose = try await !store.consentHistory(subject: ConsentRecord.subject(user.id)).isEmpty
        if agreed || chose { keys.insert("user.privacy_preferences") }
        if try await !store.auditEntries(tenant: nil, subject: user.id, event: nil, limit: 1).isEmpty {
            keys.insert("system.audit")
        }
        if try await store.disclosures(of: user.id).contains(where: { $0.isVisible(at: time) }) {
            keys.insert("user.disclosure_record")
        }
        if try await store.requests(user: user.id).contains(where: { $0.id != request }) { keys.insert("user.privacy_request") }
        return keys
    }
}
