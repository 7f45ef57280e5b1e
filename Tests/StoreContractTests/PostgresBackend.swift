import Foundation
import StewardCore
import StewardPostgres
import StewardStore
import StewardTesting
import Testing

/// The throwaway cluster `scripts/pg-cluster.sh` started, as its exported variables name it.
enum TestCluster {
    /// The cluster's URL, or nil when none was started. On CI a missing cluster is an error, never a silent skip.
    static var url: String? {
        let url = ProcessInfo.processInfo.environment["STEWARD_TEST_DATABASE_URL"]
        return url?.isEmpty == false ? url : nil
    }

    /// The cluster's location with the password from the file the cluster script wrote.
    static func location() throws -> PostgresLocation {
        guard let url else {
            throw StewardError(.unavailable, "STEWARD_TEST_DATABASE_URL is not set: start a cluster with scripts/pg-cluster.sh")
        }
        let environment = ProcessInfo.processInfo.environment
        return try PostgresLocation(
            url: url, environment: ["STEWARD_DATABASE_PASSWORD_FILE": environment["STEWARD_TEST_DATABASE_PASSWORD_FILE"] ?? ""])
    }

    static var required: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    /// A pool on the cluster's `postgres` database, for creating and dropping the databases tests use. Every
    /// PostgreSQL test creates one, all in parallel, through these 8 connections; on a loaded 2-core machine the
    /// queue can take minutes (seen: 120 s exceeded while a release build ran beside the suite), so the deadline is
    /// long: slow is not broken here.
    static let admin: Result<PostgresDatabase, any Error> = Result {
        let database = try PostgresDatabase(location: location(), maximumConnections: 8, callTimeout: .seconds(600))
        database.start()
        return database
    }

    /// A fresh, empty database; its location and what drops it.
    static func freshDatabase() async throws -> (PostgresLocation, @Sendable () async throws -> Void) {
        let admin = try admin.get()
        let name = "stw_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        try await admin.createDatabase(named: name)
        return (admin.location.database(name), { try await admin.dropDatabase(named: name) })
    }
}

extension TestCluster {
    /// A `PostgresStore` opened on a fresh database of its own, and what closes it and drops the database.
    static func freshStore(maximumConnections: Int) async throws -> (PostgresStore, @Sendable () async throws -> Void) {
        let (location, drop) = try await freshDatabase()
        let database = try PostgresDatabase(location: location, maximumConnections: maximumConnections, callTimeout: .seconds(30))
        database.start()
        let store: PostgresStore
        do {
            store = try await PostgresStore.open(database: database, keys: InMemoryPersonKeys())
        } catch {
            await database.shutdown()
            try? await drop()
            throw error
        }
        return (
            store,
            {
                await store.close()
                try await drop()
            }
        )
    }
}

extension StoreBackend {
    /// A fresh `PostgresStore` in a database of its own, dropped by the cleanup.
    static let postgres = StoreBackend(name: "PostgreSQL") {
        let (store, cleanup) = try await TestCluster.freshStore(maximumConnections: 4)
        return (StoresUnderTest(store), cleanup)
    }
}
