import Foundation
import StewardCore
import StewardStore

// UNBUILT: placeholders until the PostgreSQL identity reads is written; every one fails loudly.
extension PostgresStore {
    public func account(email: String) async throws -> AccountRecord? { throw Unbuilt.error(#function) }
    public func account(id: UserID) async throws -> AccountRecord? { throw Unbuilt.error(#function) }
    public func picture(of user: UserID) async throws -> (bytes: [UInt8], contentType: String)? { throw Unbuilt.error(#function) }
    public func token(hash: String) async throws -> OneTimeToken? { throw Unbuilt.error(#function) }
    public func session(id: String) async throws -> Session? { throw Unbuilt.error(#function) }
    public func session(secretHash: String) async throws -> Session? { throw Unbuilt.error(#function) }
    public func sessions(of user: UserID) async throws -> [Session] { throw Unbuilt.error(#function) }
    public func apiKey(prefix: String) async throws -> APIKeyRecord? { throw Unbuilt.error(#function) }
    public func apiKeys(of user: UserID) async throws -> [APIKeyRecord] { throw Unbuilt.error(#function) }
    public func unusedRecoveryCodeCount(of user: UserID) async throws -> Int { throw Unbuilt.error(#function) }
    public func signIns(of user: UserID, limit: Int) async throws -> [SignInRecord] { throw Unbuilt.error(#function) }
    public func failedSignIns(email: String, since: Int64) async throws -> Int { throw Unbuilt.error(#function) }
    public func failedSignIns(clientKey: String, since: Int64) async throws -> Int { throw Unbuilt.error(#function) }
    public func addressLockedUntil(email: String, at time: Int64) async throws -> Int64? { throw Unbuilt.error(#function) }
    public func signInPlaces(of user: UserID, limit: Int) async throws -> [SignInPlace] { throw Unbuilt.error(#function) }
    public func agreements(of user: UserID) async throws -> [PolicyAgreement] { throw Unbuilt.error(#function) }
    public func policyVersions() async throws -> [PolicyVersionRecord] { throw Unbuilt.error(#function) }
    public func lastAnnouncement() async throws -> AnnouncementRecord? { throw Unbuilt.error(#function) }
    public func activeAccounts() async throws -> [AccountRecord] { throw Unbuilt.error(#function) }
    public func accountHolders() async throws -> [AccountRecord] { throw Unbuilt.error(#function) }
    public func consentHistory(subject: String) async throws -> [ConsentRecord] { throw Unbuilt.error(#function) }
}
