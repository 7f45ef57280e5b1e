import Foundation
import StewardCore
import StewardStore

/// Records every read of a person's data by someone other than that person, so the person (and the tenant's
/// administrators) can review who looked.
public struct AccessLog: Sendable {
    public let store: any IdentityStore

    public init(store: any IdentityStore) {
        self.store = store
    }

    /// Logs the read unless the reader is the person themself. The entry names the reader by account id (`actorID`),
    /// not by address: the trail is kept for years under a legal hold, and contact details are never stored in the
    /// clear (promise MS-6). The person's Security page shows the reader's current address.
    public func personalDataRead(by principal: Principal, of subject: User, what: String, ip: String?) async throws {
        guard principal.userID != subject.id else { return }
        try await store.apply([
            .audit(
                AuditEvent(
                    time: WallClock.nowMillis(), tenantID: subject.tenantID, actorID: principal.userID,
                    credential: principal.credential, subjectID: subject.id, event: "personal-data.read",
                    detail: "\(what) read by a \(principal.authority.rawValue)", ip: ip))
        ])
    }
}
