import StewardCore
import StewardStore

/// Revoking every application key along with a password reset or change. A key made by whoever knew the old password
/// would otherwise keep working after the password that let them in is gone, so the forms revoke keys unless the
/// person unticks the box; both the choice and the count go to the audit trail and the confirmation mail.
enum KeyRevocation {
    /// The changes that revoke every active key of `user`, with their audit entry (none when there are none).
    static func changes(
        _ user: User, keys: Int, at time: Int64, credential: String?, ip: String, reason: String
    ) -> [IdentityChange] {
        guard keys > 0 else { return [.revokeAllAPIKeys(user.id, at: time)] }
        return [
            .revokeAllAPIKeys(user.id, at: time),
            .audit(
                AuditEvent(
                    time: time, tenantID: user.tenantID, actorID: user.id, credential: credential, subjectID: user.id,
                    event: "api-key.revoked-all", detail: "\(keys) key(s) revoked with the \(reason)", ip: ip)),
        ]
    }

    /// The audit detail of the password event: what happened to the keys.
    static func detail(_ revoked: Bool, _ keys: Int) -> String {
        revoked ? "application keys revoked: \(keys)" : "application keys kept at the owner's choice"
    }

    /// The sentence the confirmation mail adds.
    static func sentence(_ revoked: Bool, _ keys: Int) -> String {
        guard revoked else { return " Your application keys were kept, as you chose." }
        return keys == 0 ? "" : " Your \(keys) application key(s) were revoked with it; programs that used them need new ones."
    }
}
