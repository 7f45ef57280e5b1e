import Foundation
import StewardCore

/// Where Steward's PostgreSQL database is and how to reach it, read from a `postgres://` URL
/// (`--database` / `STEWARD_DATABASE_URL`).
///
/// `postgres://user[:password]@host[:port]/database?sslmode=…&sslrootcert=…`. The password may instead come from
/// `STEWARD_DATABASE_PASSWORD` or a file named by `STEWARD_DATABASE_PASSWORD_FILE`, so it need not sit in a process
/// list. `description` names host, port, database and user, never the password: it is what start-up errors and logs
/// print.
public struct PostgresLocation: Sendable, Equatable, CustomStringConvertible {
    /// How the connection is secured, in libpq's words.
    public enum TLSMode: String, Sendable, CaseIterable {
        /// No TLS: only allowed when asked for by name, and refused for anything but a Unix socket or loopback.
        case disable
        /// Encrypted, the server's certificate not checked.
        case require
        /// Encrypted, the certificate checked against the CA file, the host name not.
        case verifyCA = "verify-ca"
        /// Encrypted, certificate and host name checked (the default when a CA file is given).
        case verifyFull = "verify-full"
    }

    public var host: String
    public var port: Int
    public var username: String
    public var database: String
    public var tls: TLSMode
    /// The CA certificate file (`sslrootcert`); without one, the system's trust roots.
    public var caFile: String?
    /// A directory holding the server's Unix socket (`host=/path` in the query), instead of TCP.
    public var socketDirectory: String?
    var password: String?

    /// Parses `url`; the password comes from the URL, else `STEWARD_DATABASE_PASSWORD`, else the file
    /// `STEWARD_DATABASE_PASSWORD_FILE` names (its first line).
    public init(url: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws(StewardError) {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased() else {
            throw .badRequest("The database URL is not a URL; expected postgres://user@host:port/database")
        }
        guard scheme == "postgres" || scheme == "postgresql" else {
            throw .badRequest("The database URL must start with postgres:// (it starts with \(scheme)://)")
        }
        let query = Dictionary(
            (components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { _, last in last })
        let known: Set<String> = ["sslmode", "sslrootcert", "host", "application_name", "connect_timeout"]
        if let unknown = query.keys.sorted().first(where: { !known.contains($0) }) {
            throw .badRequest("The database URL has an unknown parameter '\(unknown)'; known: \(known.sorted().joined(separator: ", "))")
        }
        socketDirectory = query["host"].flatMap { $0.hasPrefix("/") ? $0 : nil }
        let host = components.host.map { $0.removingPercentEncoding ?? $0 } ?? ""
        guard !host.isEmpty || socketDirectory != nil else {
            throw .badRequest("The database URL names no host; expected postgres://user@host:port/database")
        }
        self.host = host.isEmpty ? "localhost" : host
        if let port = components.port {
            guard (1...65535).contains(port) else { throw .badRequest("The database URL's port must be from 1 to 65535") }
            self.port = port
        } else {
            port = 5432
        }
        guard let user = components.percentEncodedUser?.removingPercentEncoding, !user.isEmpty else {
            throw .badRequest("The database URL names no user; expected postgres://user@host:port/database")
        }
        username = user
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        guard !path.isEmpty, !path.contains("/") else {
            throw .badRequest("The database URL names no database; expected postgres://user@host:port/database")
        }
        database = path.removingPercentEncoding ?? path
        caFile = query["sslrootcert"].flatMap { $0.isEmpty ? nil : $0 }
        if let mode = query["sslmode"] {
            guard let parsed = TLSMode(rawValue: mode) else {
                throw .badRequest(
                    "The database URL's sslmode must be one of \(TLSMode.allCases.map(\.rawValue).joined(separator: ", ")), not '\(mode)'")
            }
            tls = parsed
        } else {
            tls = caFile == nil ? .require : .verifyFull
        }
        if tls == .disable, socketDirectory == nil, !["127.0.0.1", "::1", "localhost"].contains(self.host) {
            throw .badRequest("sslmode=disable is only allowed for a Unix socket or loopback: the database travels over TLS")
        }
        if let password = components.percentEncodedPassword?.removingPercentEncoding, !password.isEmpty {
            self.password = password
        } else if let password = environment["STEWARD_DATABASE_PASSWORD"], !password.isEmpty {
            self.password = password
        } else if let file = environment["STEWARD_DATABASE_PASSWORD_FILE"], !file.isEmpty {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw .badRequest("Cannot read the database password file \(file) (STEWARD_DATABASE_PASSWORD_FILE)")
            }
            password = text.split(whereSeparator: \.isNewline).first.map(String.init)
        } else {
            password = nil
        }
    }

    /// The same server and credentials, another database (tests make one per run; `db copy` may name one).
    public func database(_ name: String) -> PostgresLocation {
        var copy = self
        copy.database = name
        return copy
    }

    /// `user@host:port/database`, never the password.
    public var description: String {
        if let socketDirectory { return "\(username)@\(socketDirectory)/\(database)" }
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "\(username)@\(shownHost):\(port)/\(database)"
    }

    /// Whether a string names a PostgreSQL database rather than a directory.
    public static func isURL(_ value: String) -> Bool {
        value.hasPrefix("postgres://") || value.hasPrefix("postgresql://")
    }
}
