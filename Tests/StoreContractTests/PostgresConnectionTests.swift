import Foundation
import StewardCore
import StewardPostgres
import Testing

/// The test cluster is reached as production reaches its server: over TLS with the certificate checked, commits
/// durable before they return.
@Suite(.enabled(if: TestCluster.url != nil || TestCluster.required)) struct PostgresConnectionTests {
    @Test func connectsOverVerifiedTLSWithSynchronousCommit() async throws {
        let location = try TestCluster.location()
        #expect(location.tls == .verifyFull)
        let database = try PostgresDatabase(location: location, maximumConnections: 1)
        database.start()
        defer { Task { await database.shutdown() } }
        #expect(try await database.setting("synchronous_commit") == "on")
        #expect(try await database.connectionUsesTLS())
    }

    @Test func locationNeverShowsThePassword() throws {
        let location = try PostgresLocation(url: "postgres://steward:s3cret@db.example:6432/steward?sslmode=require", environment: [:])
        #expect(location.description == "steward@db.example:6432/steward")
        #expect(!"\(location)".contains("s3cret"))
        #expect(!String(reflecting: location).contains("s3cret"))
    }

    @Test func badURLsAreRefusedWithAReason() {
        let cases: [(String, String)] = [
            ("mysql://a@b/c", "must start with postgres://"),
            ("postgres://b/c", "names no user"),
            ("postgres://a@b", "names no database"),
            ("postgres://a@b/c?sslmode=maybe", "sslmode must be one of"),
            ("postgres://a@db.example/c?sslmode=disable", "only allowed for a Unix socket or loopback"),
            ("postgres://a@b/c?foo=1", "unknown parameter 'foo'"),
            ("postgres://a@b:99999/c", "port"),
        ]
        for (url, expected) in cases {
            #expect(throws: StewardError.self, "\(url)") { try PostgresLocation(url: url, environment: [:]) }
            do {
                _ = try PostgresLocation(url: url, environment: [:])
            } catch {
                #expect(error.message.contains(expected), "\(url): \(error.message)")
            }
        }
    }

    @Test func passwordComesFromTheEnvironmentOrAFile() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("pw-\(UUID().uuidString)").path
        try "from-file\n".write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let fromFile = try PostgresLocation(url: "postgres://a@b/c", environment: ["STEWARD_DATABASE_PASSWORD_FILE": file])
        #expect(fromFile.hasPassword("from-file"))
        let fromVariable = try PostgresLocation(url: "postgres://a@b/c", environment: ["STEWARD_DATABASE_PASSWORD": "v"])
        #expect(fromVariable.hasPassword("v"))
    }
}
