import StewardAuth
import StewardCore
import StewardStore

/// The gate every optional processing goes through: a category may be used for a purpose only when the
/// declaration declares that use and, where the purpose rests on consent, the person has given it and no
/// GPC/DNT signal switches it off. Refusals are logged in the audit trail.
public struct PurposeCheck: Sendable {
    public let ledger: ConsentLedger

    public init(ledger: ConsentLedger) {
        self.ledger = ledger
    }

    public enum Decision: Sendable, Equatable {
        case allowed
        case refused(String)
    }

    public func decide(purpose key: String, category: String, user: User, signals: PrivacySignals = .none) async throws -> Decision {
        let declaration = ledger.declaration
        guard let purpose = declaration.purpose(key) else { return .refused("'\(key)' is not a declared purpose") }
        guard declaration.declares(purpose: key, category: category) else {
            return .refused("the declaration does not list \(category) for \(purpose.name)")
        }
        if signals.switchesOff(purpose) {
            let optedInOverSignal = try await ledger.current(user.id)[key]?.method == .formOverSignal
            if !optedInOverSignal {
                return .refused("a Global Privacy Control or Do Not Track signal switches \(purpose.name) off")
            }
        }
        if purpose.needsConsent, try await !ledger.isGiven(key, by: user.id) {
            return .refused("\(purpose.name) needs consent, which has not been given (or was withdrawn)")
        }
        return .allowed
    }

    /// Throws `forbidden` and records the refusal when the processing is not allowed.
    public func require(purpose: String, category: String, user: User, signals: PrivacySignals = .none) async throws {
        guard case .refused(let reason) = try await decide(purpose: purpose, category: category, user: user, signals: signals) else {
            return
        }
        try await ledger.store.apply([
            .audit(
                AuditEvent(
                    time: ledger.now(), tenantID: user.tenantID, actorID: nil, credential: "purpose-check", subjectID: user.id,
                    event: "purpose.refused", detail: "\(purpose) on \(category): \(reason)"))
        ])
        throw StewardError.forbidden("Processing refused: \(reason)")
    }
}
