import Foundation
import GRDB
import StewardCore
@testable import StewardSQLite
import StewardStore
import StewardTesting
import Synchronization
import Testing

@testable import StewardAuth

/// A clock the tests move by hand: services read it through `now`, nothing ever sleeps.
final class TestClock: Sendable {
    private let millis: Mutex<Int64>

    init(_ start: Int64) { millis = Mutex(start) }

    var current: Int64 { millis.withLock { $0 } }

    /// The closure the services take as `now`.
    var now: @Sendable () -> Int64 { { self.current } }

    func advance(milliseconds: Int64) { millis.withLock { $0 += milliseconds } }
    func advance(seconds: Int64) { advance(milliseconds: seconds * 1000) }
    func advance(minutes: Int64) { advance(milliseconds: minutes * 60_000) }
    func set(_ value: Int64) { millis.withLock { $0 = value } }
}

/// Records the delays SignInService asks for instead of sleeping.
final class PauseRecorder: Sendable {
    private let requested = Mutex<[Int]>([])

    var pauses: [Int] { requested.withLock { $0 } }

    var pause: @Sendable (Int) async -> Void { { seconds in self.requested.withLock { $0.append(seconds) } } }

    func reset() { requested.withLock { $0.removeAll() } }
}

/// Records every piece of bcrypt work a `PasswordHasher` does, so tests can compare two code paths.
final class HashWorkRecorder: Sendable {
    private let recorded = Mutex<[PasswordHasher.Work]>([])

    var work: [PasswordHasher.Work] { recorded.withLock { $0 } }

    var observer: @Sendable (PasswordHasher.Work) -> Void { { work in self.recorded.withLock { $0.append(work) } } }

    func reset() { recorded.withLock { $0.removeAll() } }
}

/// One row of `mail_outbox`.
struct OutboxMail: Sendable, Equatable {
    var recipient: String
    var subject: String
    var body: String
}

/// A real SQLiteStore in a temporary directory with every identity service wired to one test clock.
final class IdentityFixture: Sendable {
    /// 2026-06-01T00:00:00Z: the sign-up age gate reads the calendar year (2026) from this clock.
    static let start: Int64 = 1_780_272_000_000
    static let password = "violet-anchor-42"
    static let publicURL = "http://steward.test"

    let directory: String
    let store: SQLiteStore
    let clock: TestClock
    let pauses = PauseRecorder()
    /// Every bcrypt hash and verification the services asked for (`hasher` reports to it).
    let hashWork: HashWorkRecorder
    let hasher: PasswordHasher
    let configuration: IdentityConfiguration
    let signer = JWTSigner(secret: Array("identity-fixture-secret".utf8))

    let signUp: SignUpService
    let signIn: SignInService
    let reset: PasswordResetService
    let twoFactor: TwoFactorService
    let apiKeys: APIKeyService
    let auth: AuthService
    let accessLog: AccessLog

    init(
        configure: (inout IdentityConfiguration) -> Void = { _ in }, start: Int64 = IdentityFixture.start, cost: UInt8 = 4
    ) throws {
        let recorder = HashWorkRecorder()
        hashWork = recorder
        hasher = PasswordHasher(cost: cost, observer: recorder.observer)
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("steward-identity-\(UUID().uuidString)").path
        store = try SQLiteStore(directory: directory, durability: .normal, auditKey: Array("audit key kept outside the database".utf8))
        clock = TestClock(start)
        var configuration = IdentityConfiguration(publicURL: Self.publicURL)
        configure(&configuration)
        self.configuration = configuration
        let now = clock.now
        signUp = SignUpService(store: store, hasher: hasher, configuration: configuration, now: now)
        signIn = SignInService(store: store, hasher: hasher, configuration: configuration, now: now, pause: pauses.pause)
        reset = PasswordResetService(store: store, hasher: hasher, configuration: configuration, now: now)
        twoFactor = TwoFactorService(store: store, hasher: hasher, configuration: configuration, now: now)
        apiKeys = APIKeyService(store: store, now: now)
        auth = AuthService(store: store, signIn: signIn, signer: signer)
        accessLog = AccessLog(store: store)
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    // MARK: Building accounts

    func request(
        name: String = "Alice Example", email: String = "alice@example.com", password: String = IdentityFixture.password,
        jurisdiction: String = "DE", birthYear: Int? = 1990, parentEmail: String? = nil, agreed: String? = "current",
        ip: String = "198.51.100.7", client: String = "Firefox/140"
    ) -> SignUpRequest {
        SignUpRequest(
            name: name, email: email, password: password, jurisdiction: jurisdiction, birthYear: birthYear,
            parentEmail: parentEmail, agreedToPolicyVersion: agreed == "current" ? configuration.policyVersion : agreed, ip: ip,
            client: client)
    }

    /// Signs up through the form and follows the confirmation link from the outbox.
    @discardableResult
    func signUpAndConfirm(email: String = "alice@example.com", password: String = IdentityFixture.password, name: String = "Alice Example")
        async throws -> User
    {
        try await signUp.signUp(request(name: name, email: email, password: password))
        let token = try #require(try await linkToken("/confirm-email", to: email))
        return try await signUp.confirmEmail(token: token)
    }

    /// An open account written straight to the store (no mail, no audit), for tests about what comes after sign-up.
    @discardableResult
    func makeAccount(
        email: String, password: String = IdentityFixture.password, authority: Authority = .tenantAdmin, tenant: TenantID? = nil,
        status: AccountStatus = .active
    ) async throws -> User {
        let (user, changes) = NewAccount.changes(
            email: email, passwordHash: await hasher.hash(password), authority: authority, tenant: tenant,
            details: AccountDetails(status: status, emailVerifiedTime: status == .active ? clock.current : nil, ageBasis: AgeBasis.selfDeclared),
            createdTime: clock.current)
        try await store.apply(changes)
        return user
    }

    // MARK: Reading the database

    func count(_ table: String, where condition: String = "1", _ arguments: StatementArguments = []) async throws -> Int {
        try await store.pool.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table) WHERE \(condition)", arguments: arguments) ?? 0
        }
    }

    /// Row counts of every table sign-up writes to.
    func signUpFootprint() async throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for table in ["tenant", "user", "device_profile", "one_time_token", "mail_outbox", "policy_agreement", "audit_log"] {
            counts[table] = try await count(table)
        }
        return counts
    }

    func mails(to recipient: String? = nil) async throws -> [OutboxMail] {
        try await store.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT recipient, subject, text_body FROM mail_outbox ORDER BY id").map {
                OutboxMail(recipient: $0["recipient"], subject: $0["subject"], body: $0["text_body"])
            }
        }.filter { recipient == nil || $0.recipient == recipient }
    }

    /// The token of the newest mailed link to `path` (`/confirm-email`, `/reset-password`, `/parent-consent`).
    func linkToken(_ path: String, to recipient: String) async throws -> String? {
        for mail in try await mails(to: recipient).reversed() {
            if let token = Self.token(in: mail.body, path: path) { return token }
        }
        return nil
    }

    static func token(in body: String, path: String) -> String? {
        guard let range = body.range(of: "\(publicURL)\(path)?token=") else { return nil }
        let token = body[range.upperBound...].prefix { !$0.isWhitespace }
        return token.isEmpty ? nil : String(token)
    }

    /// The six digits of the newest mailed sign-in code.
    func mailedSignInCode(to recipient: String) async throws -> String? {
        for mail in try await mails(to: recipient).reversed() {
            if let range = mail.body.range(of: "Your sign-in code is ") {
                let digits = mail.body[range.upperBound...].prefix { $0.isNumber }
                if digits.count == 6 { return String(digits) }
            }
        }
        return nil
    }

    func account(_ email: String) async throws -> AccountRecord {
        try #require(try await store.account(email: email))
    }

    /// Outcomes of the sign_in rows of an email, oldest first.
    func signInOutcomes(email: String) async throws -> [String] {
        try await store.pool.read { db in
            try String.fetchAll(db, sql: "SELECT outcome FROM sign_in WHERE email = ? ORDER BY id", arguments: [email])
        }
    }

    func audit(_ event: String, subject: UserID? = nil) async throws -> [AuditEntry] {
        try await store.auditEntries(tenant: nil, subject: subject, event: event, limit: 1000)
    }

    // MARK: Signing in

    func client(_ ip: String = "198.51.100.7", _ agent: String = "Firefox/140") -> ClientInfo {
        ClientInfo(ip: ip, client: agent)
    }

    /// Signs in and requires the sign-in to be complete (no second factor).
    func completeSignIn(
        _ email: String = "alice@example.com", password: String = IdentityFixture.password, kind: Session.Kind = .web,
        from client: ClientInfo? = nil
    ) async throws -> SessionGrant {
        let step = try await signIn.signIn(email: email, password: password, kind: kind, from: client ?? self.client())
        guard case .complete(let grant) = step else {
            Issue.record("expected a complete sign-in, got \(step)")
            throw StewardError(.internal, "sign-in was not complete")
        }
        return grant
    }

    /// Signs in to an account with a second factor and requires the half-open step.
    func halfOpenSignIn(
        _ email: String = "alice@example.com", password: String = IdentityFixture.password, from client: ClientInfo? = nil
    ) async throws -> (SessionGrant, SecondFactor) {
        let step = try await signIn.signIn(email: email, password: password, kind: .web, from: client ?? self.client())
        guard case .secondFactor(let grant, let factor) = step else {
            Issue.record("expected the second-factor step, got \(step)")
            throw StewardError(.internal, "sign-in did not ask for a second factor")
        }
        return (grant, factor)
    }

    /// Fails `count` sign-ins with a wrong password, each expected to answer "Invalid username or password…".
    func failSignIns(_ email: String, count: Int, from client: ClientInfo? = nil, sourceLocation: SourceLocation = #_sourceLocation) async {
        for _ in 0..<count {
            let error = await stewardError(sourceLocation: sourceLocation) {
                _ = try await self.signIn.signIn(email: email, password: "wrong-password-9", kind: .web, from: client ?? self.client())
            }
            #expect(error?.message == SignInService.invalidCredentials.message, sourceLocation: sourceLocation)
        }
    }
}
