import HummingbirdBcrypt
import StewardCore

/// bcrypt password hashing. Hashing is deliberately slow, so it runs off the cooperative thread pool's
/// critical path in a detached task.
public struct PasswordHasher: Sendable {
    /// Work factor: 12 by default (~0.25 s per hash on a server core).
    public let cost: UInt8
    public static let minimumLength = 8

    public init(cost: UInt8 = 12) {
        self.cost = min(max(cost, 4), 31)
    }

    public func hash(_ password: String) async -> String {
        let cost = self.cost
        return await Task.detached { Bcrypt.hash(password, cost: cost) }.value
    }

    public func verify(_ password: String, hash: String) async -> Bool {
        await Task.detached { Bcrypt.verify(password, hash: hash) }.value
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
