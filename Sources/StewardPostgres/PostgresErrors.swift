import Foundation
import PostgresNIO
import StewardCore
import StewardStore

/// A UNIQUE constraint refused a row (SQLSTATE 23505). Store methods catch it by constraint name and say what was
/// taken (`device_access_token_key` → `accessTokenUnavailable`).
struct UniqueViolation: Error, CustomStringConvertible {
    var constraint: String
    var description: String { "duplicate value for \(constraint)" }
}

/// postgres-nio's errors in Steward's terms. `PSQLError.description` is deliberately vague and
/// `String(reflecting:)` may quote values, so messages are built from the server's SQLSTATE and message only.
enum PostgresErrors {
    static func map(_ error: any Error, location: PostgresLocation) -> any Error {
        if let transaction = error as? PostgresTransactionError {
            let inner = transaction.closureError ?? transaction.beginError ?? transaction.commitError ?? transaction.rollbackError
            if let inner { return map(inner, location: location) }
            return StewardError(.unavailable, "A transaction on the database \(location) failed; try again shortly")
        }
        if error is StewardError || error is UniqueViolation { return error }
        if error is CancellationError {
            return StewardError(.unavailable, "The database \(location) did not answer in time; try again shortly")
        }
        if let error = error as? PSQLError {
            return map(error, location: location)
        }
        let name = String(describing: type(of: error))
        if name.contains("ConnectionPool") {
            return StewardError(.unavailable, "Cannot reach the database \(location): \(error); try again shortly")
        }
        return error
    }

    static func map(_ error: PSQLError, location: PostgresLocation) -> any Error {
        if let state = error.serverInfo?[.sqlState] {
            let message = error.serverInfo?[.message] ?? "error \(state)"
            switch state {
            case "23505":
                return UniqueViolation(constraint: error.serverInfo?[.constraintName] ?? "")
            case "53100":
                return StewardError.storageFull()
            case "57P01", "57P02", "57P03", "08000", "08003", "08006":
                return StewardError(.unavailable, "The database \(location) is unavailable (\(message)); try again shortly")
            case "55P03":
                // A lock not granted within `lock_timeout` (retention's month drop sets one): busy, not broken.
                return StewardError(.timeout, "The database \(location) could not take a lock in time (\(message)); try again later")
            case "P0001":
                return StewardError(.conflict, message)
            case "22021", "22P05":
                // A text value with U+0000 (or another character the server's encoding cannot hold): the caller's
                // input, not the server, is at fault.
                return StewardError.badRequest("A text value contains U+0000 (NUL), which cannot be stored: \(message)")
            default:
                return StewardError(.internal, "The database \(location) refused a statement: \(message) (SQLSTATE \(state))")
            }
        }
        switch error.code {
        case .queryCancelled:
            return StewardError(.unavailable, "The database \(location) did not answer in time; try again shortly")
        case .connectionError, .serverClosedConnection, .uncleanShutdown, .poolClosed, .clientClosedConnection,
            .sslUnsupported, .messageDecodingFailure:
            return StewardError(.unavailable, "Cannot reach the database \(location) (\(error.code)); try again shortly")
        default:
            return StewardError(.internal, "The database \(location) call failed (\(error.code))")
        }
    }

    /// A start-up error as one line: host, port, database and the server's message, never the password.
    static func startupMessage(_ error: any Error, location: PostgresLocation) -> String {
        let underlying = (error as? PostgresTransactionError).flatMap { $0.closureError ?? $0.beginError } ?? error
        if let error = underlying as? PSQLError {
            if let state = error.serverInfo?[.sqlState] {
                let message = error.serverInfo?[.message] ?? ""
                let hint: String
                switch state {
                case "28P01", "28000": hint = " (check the user and password)"
                case "3D000": hint = " (create the database first, or name another one)"
                case "42501": hint = " (the user may not create tables in this database; grant it CREATE or make it the owner)"
                default: hint = ""
                }
                return "Cannot use the database \(location): \(message), SQLSTATE \(state)\(hint)"
            }
            var reason = "\(error.code)"
            if let underlyingError = error.underlying { reason += ": \(underlyingError)" }
            if error.code == .sslUnsupported { reason = "the server does not offer TLS (sslmode=\(location.tls.rawValue))" }
            if error.code == .messageDecodingFailure || error.code == .unexpectedBackendMessage
                || error.code == .serverClosedConnection || error.code == .uncleanShutdown
            {
                reason =
                    "the server closed the connection or answered in a way PostgreSQL does not during the handshake "
                    + "(is a PostgreSQL server listening on this port? does it expect TLS as sslmode=\(location.tls.rawValue) says?)"
            }
            return "Cannot connect to the database \(location): \(reason)"
        }
        if let error = underlying as? StewardError { return error.message }
        return "Cannot connect to the database \(location): \(error)"
    }
}

/// Start-up errors in one line, for the composition root.
public enum PostgresErrorText {
    /// `error` (from opening the store: migrating, creating partitions) as one line naming the database, never the
    /// password.
    public static func startup(_ error: any Error, location: PostgresLocation) -> String {
        if let error = error as? StewardError, error.kind != .internal { return error.message }
        return PostgresErrors.startupMessage(error, location: location)
    }
}
