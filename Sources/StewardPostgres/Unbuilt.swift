import StewardCore
import StewardStore

/// A store method not yet written for PostgreSQL (temporary, while the backend is being built).
enum Unbuilt {
    static func error(_ function: String) -> StewardError {
        StewardError(.internal, "\(function) is not built for PostgreSQL yet")
    }
}
