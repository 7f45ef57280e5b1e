import StewardCore
import StewardStore

/// Deletes accounts that never opened: the email was never confirmed, or a child's account never received a
/// parent's consent. Nothing of a child is kept without that consent once the parent's link has expired.
public struct UnopenedAccountSweeper: Sendable {
    public let store: any IdentityStore
    public let configuration: IdentityConfiguration
    let now: @Sendable () -> Int64

    public init(store: any IdentityStore, configuration: IdentityConfiguration, now: @escaping @Sendable () -> Int64 = WallClock.nowMillis) {
        self.store = store
        self.configuration = configuration
        self.now = now
    }

    /// One sweep; returns how many accounts were deleted.
    @discardableResult
    public func sweep() async throws -> Int {
        try await sweep(at: now())
    }

    /// How long an account may stay unopened: the longer of the confirmation and the parental-consent link.
    public var horizon: Int64 { max(configuration.parentLinkLifetime, configuration.confirmationLinkLifetime) }

    /// One sweep at `time` (ms), as the retention run sees it; returns how many accounts were deleted.
    @discardableResult
    public func sweep(at time: Int64) async throws -> Int {
        let deleted = try await store.deleteUnopenedAccounts(createdBefore: time - horizon)
        guard !deleted.isEmpty else { return 0 }
        try await store.apply(
            deleted.map {
                .audit(
                    AuditEvent(
                        time: time, tenantID: $0.tenantID, actorID: nil, credential: "sweeper", subjectID: $0.id,
                        event: "account.deleted-unopened",
                        detail: "never opened within \(horizon / 86_400_000) days (email or parental consent missing)"))
            })
        return deleted.count
    }
}
