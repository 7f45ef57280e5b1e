import Foundation
import StewardCore
import StewardStore

/// Looks up a mailed token and explains precisely why it cannot be used.
enum OneTimeLinks {
    static func valid(
        _ token: String, purpose: TokenPurpose, store: any IdentityStore, now: Int64
    ) async throws -> (AccountRecord, hash: String) {
        let hash = Secrets.sha256Hex(token)
        guard !token.isEmpty, let stored = try await store.token(hash: hash), stored.purpose == purpose,
            let record = try await store.account(id: stored.userID)
        else { throw StewardError.notFound("This link is not valid. Copy the whole link from the mail, or ask for a new one") }
        if stored.usedTime != nil { throw StewardError.conflict("This link was already used. Ask for a new one if you need it") }
        if stored.expiresTime <= now { throw StewardError.conflict("This link has expired. Ask for a new one") }
        return (record, hash)
    }
}
