import Foundation
import StewardCore
import StewardStore

// UNBUILT: placeholders until the PostgreSQL identity store (changes, audit chain) is written; every one fails loudly.
extension PostgresStore: IdentityStore {
    public func apply(_ changes: [IdentityChange]) async throws { throw Unbuilt.error(#function) }
    public func touchSession(id: String, at: Int64) async throws { throw Unbuilt.error(#function) }
    public func touchAPIKey(id: String, at: Int64, ip: String) async throws { throw Unbuilt.error(#function) }
    public func grantAttempt(_ limit: AttemptLimit) async throws -> Bool { throw Unbuilt.error(#function) }
    public func deleteUnopenedAccounts(createdBefore: Int64) async throws -> [User] { throw Unbuilt.error(#function) }
    public func auditEntries(tenant: TenantID?, subject: UserID?, event: String?, limit: Int) async throws -> [AuditEntry] { throw Unbuilt.error(#function) }
    public func verifyAuditChain() async throws -> AuditVerification { throw Unbuilt.error(#function) }
}
