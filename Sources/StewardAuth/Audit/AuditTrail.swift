import StewardCore
import StewardStore

/// The audit trail as a whole: reading it and proving it was not changed. Entries are written by the services that
/// act (in the same transaction as what they record); this is where transports read and verify them.
public struct AuditTrail: Sendable {
    let store: any IdentityStore

    public init(store: any IdentityStore) {
        self.store = store
    }

    /// Walks the hash chain from the first entry: intact, or the first entry that was changed or removed.
    public func verify() async throws -> AuditVerification {
        try await store.verifyAuditChain()
    }
}
