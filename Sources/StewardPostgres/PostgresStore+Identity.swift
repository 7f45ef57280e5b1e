import Foundation
import StewardCore
import StewardStore

// UNBUILT: placeholders until the PostgreSQL IdentityStore is written; every one fails loudly.
extension PostgresStore: IdentityStore {
    public func apply(_ changes: [IdentityChange]) async throws { throw Unbuilt.error(#function) }
    public func account(email: String) async throws -> AccountRecord? { throw Unbuilt.error(#function) }
    public func account(id: UserID) async throws -> AccountRecord? { throw Unbuilt.error(#function) }
    public func picture(of user: UserID) async throws -> (bytes: [UInt8], contentType: String)? { throw Unbuilt.error(#function) }
    public func token(hash: String) async throws -> OneTimeToken? { throw Unbuilt.error(#function) }
    public func session(id: String) async throws -> Session? { throw Unbuilt.error(#function) }
    public func session(secretHash: String) async throws -> Session? { throw Unbuilt.error(#function) }
    public func sessions(of user: UserID) async throws -> [Session] { throw Unbuilt.error(#function) }
    public func touchSession(id: String, at: Int64) async throws { throw Unbuilt.error(#function) }
    public func apiKey(prefix: String) async throws -> APIKeyRecord? { throw Unbuilt.error(#function) }
    public func apiKeys(of user: UserID) async throws -> [APIKeyRecord] { throw Unbuilt.error(#function) }
    public func touchAPIKey(id: String, at: Int64, ip: String) async throws { throw Unbuilt.error(#function) }
    public func unusedRecoveryCodeCount(of user: UserID) async throws -> Int { throw Unbuilt.error(#function) }
    public func signIns(of user: UserID, limit: Int) async throws -> [SignInRecord] { throw Unbuilt.error(#function) }
    public func failedSignIns(email: String, since: Int64) async throws -> Int { throw Unbuilt.error(#function) }
    public func failedSignIns(clientKey: String, since: Int64) async throws -> Int { throw Unbuilt.error(#function) }
    public func grantAttempt(_ limit: AttemptLimit) async throws -> Bool { throw Unbuilt.error(#function) }
    public func addressLockedUntil(email: String, at time: Int64) async throws -> Int64? { throw Unbuilt.error(#function) }
    public func signInPlaces(of user: UserID, limit: Int) async throws -> [SignInPlace] { throw Unbuilt.error(#function) }
    public func agreements(of user: UserID) async throws -> [PolicyAgreement] { throw Unbuilt.error(#function) }
    public func policyVersions() async throws -> [PolicyVersionRecord] { throw Unbuilt.error(#function) }
    public func lastAnnouncement() async throws -> AnnouncementRecord? { throw Unbuilt.error(#function) }
    public func activeAccounts() async throws -> [AccountRecord] { throw Unbuilt.error(#function) }
    public func accountHolders() async throws -> [AccountRecord] { throw Unbuilt.error(#function) }
    public func consentHistory(subject: String) async throws -> [ConsentRecord] { throw Unbuilt.error(#function) }
    public func deleteUnopenedAccounts(createdBefore: Int64) async throws -> [User] { throw Unbuilt.error(#function) }
    public func auditEntries(tenant: TenantID?, subject: UserID?, event: String?, limit: Int) async throws -> [AuditEntry] { throw Unbuilt.error(#function) }
    public func verifyAuditChain() async throws -> AuditVerification { throw Unbuilt.error(#function) }
    public func requests(tenant: TenantID?) async throws -> [RequestRecord] { throw Unbuilt.error(#function) }
    public func request(id: String) async throws -> RequestRecord? { throw Unbuilt.error(#function) }
    public func request(verificationHash: String) async throws -> RequestRecord? { throw Unbuilt.error(#function) }
    public func requests(email: String) async throws -> [RequestRecord] { throw Unbuilt.error(#function) }
    public func requests(user: UserID) async throws -> [RequestRecord] { throw Unbuilt.error(#function) }
    public func complaints(tenant: TenantID?) async throws -> [ComplaintRecord] { throw Unbuilt.error(#function) }
    public func complaintCount(email: String, since: Int64) async throws -> Int { throw Unbuilt.error(#function) }
    public func disclosures(of user: UserID) async throws -> [DisclosureRecord] { throw Unbuilt.error(#function) }
    public func disclosures(tenant: TenantID?) async throws -> [DisclosureRecord] { throw Unbuilt.error(#function) }
}
