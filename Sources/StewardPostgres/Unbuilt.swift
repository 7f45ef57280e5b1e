import StewardCore
import StewardStore

/// A store method not yet written for PostgreSQL (temporary, while the backend is being built).
enum Unbuilt {
    static func error(_ function: String) -> StewardError {
        StewardError(.internal, "\(function) is not built for PostgreSQL yet")
    }
}

extension PostgresStore {
    /// Applies one identity change inside the caller's transaction (the erasure applies its plan's changes in its own).
    // UNBUILT: written with the identity store.
    func apply(_ change: IdentityChange, _ db: SQLConnection) async throws {
        throw Unbuilt.error(#function)
    }
}
