import Foundation
import StewardCore
import StewardStore

/// Application keys for programs: `X-Authorization: ApiKey stw_<prefix>_<secret>`. Shown once, stored as a
/// SHA-256 (the secret is 240 random bits, so a slow hash adds nothing), scoped to the owner's tenant and a role,
/// revocable, with the time and address of last use.
public struct APIKeyService: Sendable {
    public let store: any IdentityStore
    let now: @Sendable () -> Int64

    public init(store: any IdentityStore, now: @escaping @Sendable () -> Int64 = WallClock.nowMillis) {
        self.store = store
        self.now = now
    }

    public func create(for user: User, name rawName: String, role: APIKeyRole, credential: String, from client: ClientInfo) async throws -> (APIKeyRecord, key: String) {
        let name = rawName.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, name.count <= 100 else { throw StewardError.badRequest("Give the key a name of 1 to 100 characters") }
        let active = try await store.apiKeys(of: user.id).filter { $0.revokedTime == nil }
        guard active.count < 50 else { throw StewardError.badRequest("You have 50 active keys; revoke one first") }
        let prefix = RandomToken.alphanumeric(length: 12)
        let secret = RandomToken.alphanumeric(length: 40)
        let time = now()
        let record = APIKeyRecord(
            id: UUID().uuidString.lowercased(), prefix: prefix, secretHash: Secrets.sha256Hex(secret), userID: user.id,
            tenantID: user.tenantID, name: name, role: role, createdTime: time)
        try await store.apply([
            .createAPIKey(record),
            .audit(
                AuditEvent(
                    time: time, tenantID: user.tenantID, actorID: user.id, credential: credential, subjectID: user.id,
                    event: "api-key.created", detail: "\(name) (\(role.rawValue)), id \(record.id)", ip: client.ip)),
        ])
        return (record, "stw_\(prefix)_\(secret)")
    }

    public func revoke(id: String, of user: User, credential: String, from client: ClientInfo) async throws {
        let time = now()
        try await store.apply([
            .revokeAPIKey(id: id, userID: user.id, at: time),
            .audit(
                AuditEvent(
                    time: time, tenantID: user.tenantID, actorID: user.id, credential: credential, subjectID: user.id,
                    event: "api-key.revoked", detail: "id \(id)", ip: client.ip)),
        ])
    }

    /// The key and its owner, if the key is whole, active, and its owner's account is open.
    public func authenticate(_ key: String, from ip: String) async throws -> (APIKeyRecord, AccountRecord) {
        let parts = key.split(separator: "_")
        guard parts.count == 3, parts[0] == "stw", let record = try await store.apiKey(prefix: String(parts[1])),
            Secrets.constantTimeEquals(record.secretHash, Secrets.sha256Hex(String(parts[2])))
        else { throw StewardError.unauthorized("Authentication failed: unknown application key") }
        guard record.revokedTime == nil else { throw StewardError.unauthorized("Authentication failed: this application key was revoked") }
        guard let account = try await store.account(id: record.userID), account.details.status == .active else {
            throw StewardError.unauthorized("Authentication failed: the key's account is not active")
        }
        let time = now()
        if (record.lastUsedTime ?? 0) < time - 60_000 || record.lastUsedIP != ip {
            try await store.touchAPIKey(id: record.id, at: time, ip: ip)
        }
        return (record, account)
    }
}
