import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import StewardCore

extension PostgresDatabase {
    /// Connects once, straight past the pool, and asks the server who it is: the pool retries a failing connection
    /// quietly, so start-up probes first to fail at once with the server's own reason (wrong password, no such
    /// database, no TLS, not PostgreSQL), in one line naming host, port and database but never the password.
    public func probe() async throws(StewardError) {
        let location = location
        var configuration: PostgresConnection.Configuration
        do {
            if let socket = location.socketDirectory {
                configuration = PostgresConnection.Configuration(
                    unixSocketPath: (socket as NSString).appendingPathComponent(".s.PGSQL.\(location.port)"),
                    username: location.username, password: location.password, database: location.database)
            } else {
                let tls: PostgresConnection.Configuration.TLS =
                    location.tls == .disable
                    ? .disable : .require(try NIOSSLContext(configuration: try Self.tlsConfiguration(location)))
                configuration = PostgresConnection.Configuration(
                    host: location.host, port: location.port, username: location.username, password: location.password,
                    database: location.database, tls: tls)
            }
        } catch let error as StewardError {
            throw error
        } catch {
            throw StewardError.badRequest("Cannot set up TLS for the database \(location): \(error)")
        }
        configuration.options.connectTimeout = .seconds(10)
        let logger = Logger(label: "steward.postgres.probe")
        do {
            let connection = try await PostgresConnection.connect(
                on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configuration, id: 0, logger: logger
            ).get()
            do {
                let rows = try await connection.query("SELECT current_setting('server_version_num')::int", logger: logger).get()
                let version = try rows.first?.decode(Int.self) ?? 0
                try? await connection.close()
                guard version >= 130_000 else {
                    throw StewardError.badRequest(
                        "The database \(location) runs PostgreSQL \(version / 10_000); Steward needs PostgreSQL 13 or newer")
                }
            } catch {
                try? await connection.close()
                throw error
            }
        } catch let error as StewardError {
            throw error
        } catch {
            throw StewardError.badRequest(PostgresErrors.startupMessage(error, location: location))
        }
    }

    /// NIOSSL's client configuration for `location`'s sslmode (shared by the pool and the probe).
    static func tlsConfiguration(_ location: PostgresLocation) throws(StewardError) -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        switch location.tls {
        case .disable: break
        case .require: tls.certificateVerification = .none
        case .verifyCA, .verifyFull:
            if let caFile = location.caFile {
                guard FileManager.default.isReadableFile(atPath: caFile) else {
                    throw .badRequest("Cannot read the database's CA file \(caFile) (sslrootcert)")
                }
                tls.trustRoots = .file(caFile)
            }
            tls.certificateVerification = location.tls == .verifyFull ? .fullVerification : .noHostnameVerification
        }
        return tls
    }
}
