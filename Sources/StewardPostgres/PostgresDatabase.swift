import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import ServiceLifecycle
import StewardCore
import StewardStore
import Synchronization

/// The PostgreSQL database as every part of the backend reaches it: one connection pool, reads on a leased
/// connection, writes in a transaction, each call bounded by `callTimeout` and each error said in Steward's terms.
///
/// - The pool reconnects with backoff by itself. While the server is away a call fails after `callTimeout` with
///   `StewardError.unavailable` (HTTP 503; MQTT withholds the PUBACK), never waiting the pool's own minute.
/// - A write that fails because the disk is full (SQLSTATE 53100) is "storage full", recorded in `storage`, as on
///   SQLite; a committed write clears it.
/// - A transaction that throws is rolled back; a commit whose outcome is unknown (the connection broke during
///   `COMMIT`) is reported as a failure, so nothing is acknowledged that may not be stored.
public final class PostgresDatabase: Sendable {
    public let location: PostgresLocation
    let client: PostgresClient
    let logger: Logger
    let storage: StorageStatus
    /// The longest one store call may take, waiting for a connection included.
    let callTimeout: Duration
    private let runner = Mutex<Task<Void, Never>?>(nil)

    /// A pool for `location`; nothing connects until `start()` (or `run()` as a service).
    public init(
        location: PostgresLocation, storage: StorageStatus = StorageStatus(), maximumConnections: Int = 16,
        callTimeout: Duration = .seconds(5), logger: Logger = Logger(label: "steward.postgres")
    ) throws(StewardError) {
        self.location = location
        self.storage = storage
        self.callTimeout = callTimeout
        self.logger = logger
        var configuration: PostgresClient.Configuration
        if let socket = location.socketDirectory {
            configuration = PostgresClient.Configuration(
                unixSocketPath: (socket as NSString).appendingPathComponent(".s.PGSQL.\(location.port)"),
                username: location.username, password: location.password, database: location.database)
        } else {
            configuration = PostgresClient.Configuration(
                host: location.host, port: location.port, username: location.username, password: location.password,
                database: location.database, tls: try Self.tls(location))
        }
        configuration.options.maximumConnections = maximumConnections
        configuration.options.minimumConnections = 0
        configuration.options.connectTimeout = .seconds(5)
        configuration.options.additionalStartupParameters = [("application_name", "steward")]
        client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        storage.setProbe { [weak self] in try? await self?.ping() }
    }

    static func tls(_ location: PostgresLocation) throws(StewardError) -> PostgresClient.Configuration.TLS {
        location.tls == .disable ? .disable : .require(try tlsConfiguration(location))
    }

    /// Runs the pool in a task of its own (the CLI, tests); the server runs it in its service group instead.
    public func start() {
        runner.withLock { task in
            guard task == nil else { return }
            let client = client
            task = Task { await client.run() }
        }
    }

    /// Closes the pool started by `start()`.
    public func shutdown() async {
        let task = runner.withLock { task -> Task<Void, Never>? in
            defer { task = nil }
            return task
        }
        task?.cancel()
        await task?.value
    }

    /// The pool as a service for the server's `ServiceGroup`.
    public var service: any Service { client }

    /// Runs `body` on a leased connection, outside a transaction, with the call deadline unless `timeout` says
    /// otherwise.
    func read<T: Sendable>(
        timeout: Duration? = nil, _ body: @escaping @Sendable (SQLConnection) async throws -> T
    ) async throws -> T {
        let logger = logger
        return try await bounded(timeout: timeout) {
            try await self.client.withConnection { connection in
                try await body(SQLConnection(connection: connection, logger: logger))
            }
        }
    }

    /// Runs `body` in a transaction and commits it; a thrown error rolls it back.
    func write<T: Sendable>(_ body: @escaping @Sendable (SQLConnection) async throws -> T) async throws -> T {
        let logger = logger
        let result = try await bounded {
            try await self.client.withConnection { connection in
                try await connection.withTransaction(logger: logger) { connection in
                    try await body(SQLConnection(connection: connection, logger: logger))
                }
            }
        }
        storage.recordSuccess()
        return result
    }

    /// How long maintenance outside a transaction (`VACUUM`, `CHECKPOINT`) may take: a checkpoint writes every dirty
    /// page of the cluster, which on a busy server takes far longer than a query's deadline, and is no sign that the
    /// server is gone.
    static let maintenanceTimeout: Duration = .seconds(300)

    /// Runs `body` on a connection outside a transaction, for statements that refuse one (`VACUUM`, `CHECKPOINT`),
    /// with the maintenance deadline.
    func withoutTransaction<T: Sendable>(_ body: @escaping @Sendable (SQLConnection) async throws -> T) async throws -> T {
        try await read(timeout: max(callTimeout, Self.maintenanceTimeout), body)
    }

    /// `body` with the call deadline, its errors mapped (see `PostgresErrors`).
    ///
    /// The deadline does not wait for `body` to notice its cancellation: a call stuck on a connection the server
    /// dropped (some of postgres-nio's waits ignore cancellation) would otherwise hold its caller, and with it the
    /// telemetry writer, for good. `body` is cancelled and left to finish on its own; its outcome is ignored.
    func bounded<T: Sendable>(timeout: Duration? = nil, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let timeout = timeout ?? callTimeout
        let location = location
        do {
            let value = try await Self.race(timeout: timeout, body) {
                StewardError.unavailable("The database \(location) did not answer within \(timeout); try again shortly")
            }
            storage.recordReachable()
            return value
        } catch {
            let mapped = PostgresErrors.map(error, location: location)
            if let failure = mapped as? StewardError, failure.kind == .unavailable { storage.recordUnreachable(failure.message) }
            throw storage.classify(mapped)
        }
    }

    /// The outcome of `body`, or `timedOut()` thrown once `timeout` passed, whichever comes first.
    static func race<T: Sendable>(
        timeout: Duration, _ body: @escaping @Sendable () async throws -> T, timedOut: @escaping @Sendable () -> any Error
    ) async throws -> T {
        let race = Race()
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let finish = { @Sendable (result: Result<T, any Error>) in
                if race.claim() { continuation.resume(with: result) }
            }
            race.timer.withLock {
                $0 = Task {
                    guard (try? await Task.sleep(for: timeout)) != nil else { return }
                    finish(.failure(timedOut()))
                    race.work.withLock { $0 }?.cancel()
                }
            }
            race.work.withLock {
                $0 = Task {
                    do { finish(.success(try await body())) } catch { finish(.failure(error)) }
                    race.timer.withLock { $0 }?.cancel()
                }
            }
        }
    }

    /// Who finished first in `race`, and the work to cancel when the deadline did.
    final class Race: Sendable {
        private let finished = Mutex(false)
        let work = Mutex<Task<Void, Never>?>(nil)
        let timer = Mutex<Task<Void, Never>?>(nil)

        /// True for the first caller only.
        func claim() -> Bool {
            finished.withLock { finished in
                defer { finished = true }
                return !finished
            }
        }
    }
}

extension StewardError {
    static func unavailable(_ message: String) -> StewardError { StewardError(.unavailable, message) }
}

extension PostgresDatabase {
    /// Creates an empty database on the same server (tests make one per contract function; tools may make one for
    /// `db copy`). The name must be a plain identifier.
    public func createDatabase(named name: String) async throws {
        try Self.checkIdentifier(name)
        _ = try await read { db in try await db.execute(sql: "CREATE DATABASE \(name)") }
    }

    /// Drops a database made by `createDatabase`, closing its connections.
    public func dropDatabase(named name: String) async throws {
        try Self.checkIdentifier(name)
        _ = try await read { db in try await db.execute(sql: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }
    }

    /// Whether the server answers a trivial query now (health checks).
    public func ping() async throws {
        _ = try await read { db in try await db.fetchValue(Int.self, sql: "SELECT 1") }
    }

    static func checkIdentifier(_ name: String) throws(StewardError) {
        guard !name.isEmpty, name.count < 64, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }),
            !(name.first?.isNumber ?? true)
        else { throw .badRequest("'\(name)' is not a plain database name (letters, digits, _)") }
    }
}

extension PostgresDatabase {
    /// A server setting as `SHOW` reports it.
    public func setting(_ name: String) async throws -> String? {
        try Self.checkIdentifier(name)
        return try await read { db in try await db.fetchValue(String.self, sql: "SHOW \(name)") }
    }

    /// Whether this pool's connections are encrypted (`pg_stat_ssl` of the current backend).
    public func connectionUsesTLS() async throws -> Bool {
        try await read { db in
            try await db.fetchValue(Bool.self, sql: "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()") ?? false
        }
    }
}

extension PostgresLocation {
    /// Whether the password read is `candidate` (tests; the password itself is never exposed).
    public func hasPassword(_ candidate: String) -> Bool { password == candidate }
}

extension PostgresDatabase {
    /// A read without the call deadline, streaming rows as they come (copying whole tables); errors mapped as for
    /// every call.
    func longRead<T: Sendable>(
        _ body: (PostgresConnection, Logger) async throws -> T
    ) async throws -> T {
        let logger = logger
        do {
            return try await client.withConnection { connection in try await body(connection, logger) }
        } catch {
            throw PostgresErrors.map(error, location: location)
        }
    }
}
