import HummingbirdBcrypt
import StewardCore

/// bcrypt password hashing. Hashing is deliberately slow, so it runs off the cooperative thread pool's
/// critical path in a detached task.
///
/// Answers about addresses with no account must cost what answers about accounts cost, or the time taken tells who
/// is registered: `verifyDecoy` checks against a hash made at start with the configured cost, and sign-up hashes the
/// password of an address that already has an account just as it does for a new one.
public struct PasswordHasher: Sendable {
    /// One piece of bcrypt work, with the cost it ran at: what `observer` sees.
    public enum Work: Sendable, Equatable {
        case hash(cost: UInt8)
        case verify(cost: UInt8)
    }

    /// Work factor: 12 by default (~0.25 s per hash on a server core).
    public let cost: UInt8
    public static let minimumLength = 8
    /// Told of every hash and verification, so tests can check that two code paths do the same work.
    let observer: (@Sendable (Work) -> Void)?
    /// A hash of a random secret at `cost`, computed in the background from the moment the hasher exists.
    let decoy: Task<String, Never>

    public init(cost: UInt8 = 12, observer: (@Sendable (Work) -> Void)? = nil) {
        let cost = min(max(cost, 4), 31)
        self.cost = cost
        self.observer = observer
        decoy = Task.detached(priority: .utility) { Bcrypt.hash(Secrets.token(), cost: cost) }
    }

    public func hash(_ password: String) async -> String {
        let cost = self.cost
        observer?(.hash(cost: cost))
        return await Task.detached { Bcrypt.hash(password, cost: cost) }.value
    }

    public func verify(_ password: String, hash: String) async -> Bool {
        observer?(.verify(cost: Self.cost(of: hash) ?? 0))
        return await Task.detached { Bcrypt.verify(password, hash: hash) }.value
    }

    /// Does the work of checking a password for an address with no account: one verification at the configured cost,
    /// which never succeeds.
    public func verifyDecoy(_ password: String) async {
        _ = await verify(password, hash: await decoy.value)
    }

    /// The cost a bcrypt hash was made with (`$2b$12$…` is 12).
    static func cost(of hash: String) -> UInt8? {
        let parts = hash.split(separator: "$", omittingEmptySubsequences: true)
        return parts.count >= 2 ? UInt8(parts[1]) : nil
    }

    /// Refuses passwords too short to resist guessing.
    public func validate(_ password: String) throws(StewardError) {
        if password.count < Self.minimumLength {
            throw .badRequest("The password must be at least \(Self.minimumLength) characters long")
        }
        if password.utf8.count > 72 {
            throw .badRequest("The password must be at most 72 bytes long (a bcrypt limit)")
        }
    }
}
