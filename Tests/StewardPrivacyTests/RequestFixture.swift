import Foundation
import GRDB
import StewardCore
@testable import StewardSQLite
import StewardStore
import Synchronization
import Testing

@testable import StewardPrivacy

/// A clock the request tests move by hand; services read it through `now`.
final class MovableClock: Sendable {
    private let millis: Mutex<Int64>

    init(_ start: Int64) { millis = Mutex(start) }

    var current: Int64 { millis.withLock { $0 } }
    var now: @Sendable () -> Int64 { { self.current } }

    func advance(days: Double) { millis.withLock { $0 += Int64(days * 86_400_000) } }
    func set(_ value: Int64) { millis.withLock { $0 = value } }
}

/// Unix milliseconds of an ISO 8601 UTC time such as `2026-11-20T09:30:00Z`.
func utc(_ text: String) -> Int64 {
    guard let date = ISO8601DateFormatter().date(from: text) else {
        Issue.record("not an ISO 8601 time: \(text)")
        return 0
    }
    return Int64(date.timeIntervalSince1970 * 1000)
}

/// A real SQLiteStore with two tenants (A and B), each with an administrator and a customer user, and the
/// system administrator; every request service reads one movable clock.
final class RequestFixture: Sendable {
    static let publicURL = "https://steward.test"

    let store: SQLiteStore
    let clock: MovableClock
    let declaration: PrivacyDeclaration
    let sysadmin: User
    let adminA: User
    let personA: User
    let adminB: User
    let personB: User

    init(start: Int64 = utc("2026-11-20T09:30:00Z"), declaration: PrivacyDeclaration = .bundledDefault) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("steward-requests-\(UUID().uuidString)").path
        store = try SQLiteStore(directory: directory, durability: .normal)
        clock = MovableClock(start)
        self.declaration = declaration
        let a = Tenant(name: "Acme", createdTime: 1)
        let b = Tenant(name: "Bolt", createdTime: 1)
        let customerA = Customer(tenantID: a.id, name: "Site A", createdTime: 1)
        let customerB = Customer(tenantID: b.id, name: "Site B", createdTime: 1)
        sysadmin = User(tenantID: nil, customerID: nil, email: "root@steward.test", authority: .systemAdmin, createdTime: 1)
        adminA = User(tenantID: a.id, customerID: nil, email: "admin@acme.test", authority: .tenantAdmin, firstName: "Ada", createdTime: 1)
        personA = User(tenantID: a.id, customerID: customerA.id, email: "pat@acme.test", authority: .customerUser, firstName: "Pat", createdTime: 1)
        adminB = User(tenantID: b.id, customerID: nil, email: "admin@bolt.test", authority: .tenantAdmin, firstName: "Bo", createdTime: 1)
        personB = User(tenantID: b.id, customerID: customerB.id, email: "sam@bolt.test", authority: .customerUser, firstName: "Sam", createdTime: 1)
        try await store.createTenant(a)
        try await store.createTenant(b)
        try await store.createCustomer(customerA)
        try await store.createCustomer(customerB)
        try await store.apply([
            .createUser(sysadmin, passwordHash: "x", details: AccountDetails()),
            .createUser(adminA, passwordHash: "x", details: AccountDetails(jurisdiction: "DE")),
            .createUser(personA, passwordHash: "x", details: AccountDetails(jurisdiction: "FR")),
            .createUser(adminB, passwordHash: "x", details: AccountDetails(jurisdiction: "US")),
            .createUser(personB, passwordHash: "x", details: AccountDetails(jurisdiction: "US")),
        ])
    }

    var requests: RequestService {
        RequestService(store: store, declaration: declaration, publicURL: Self.publicURL, now: clock.now)
    }

    var complaints: ComplaintService {
        ComplaintService(store: store, declaration: declaration, publicURL: Self.publicURL, now: clock.now)
    }

    var register: DisclosureRegister { DisclosureRegister(store: store, declaration: declaration, now: clock.now) }

    func form(
        email: String = "visitor@example.test", country: String = "DE", kind: RequestKind = .access, details: String = ""
    ) -> PublicRequestForm {
        PublicRequestForm(name: "Vi Sitor", email: email, country: country, kind: kind.rawValue, details: details, ip: "198.51.100.9")
    }

    struct Mail: Equatable {
        var recipient: String
        var subject: String
        var body: String
    }

    func outbox() async throws -> [Mail] {
        try await store.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT recipient, subject, text_body FROM mail_outbox ORDER BY id").map {
                Mail(recipient: $0["recipient"], subject: $0["subject"], body: $0["text_body"] ?? "")
            }
        }
    }

    /// The verification secret in the newest mail to `email`.
    func token(for email: String) async throws -> String {
        let mail = try #require(try await outbox().last { $0.recipient == email && $0.body.contains("token=") })
        let after = try #require(mail.body.range(of: "token=")).upperBound
        return String(mail.body[after...].prefix { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
    }

    /// Everything a refused action must leave as it was: the requests, the outbox and the audit trail.
    func snapshot() async throws -> [String] {
        try await store.pool.read { db in
            let requests = try Row.fetchAll(db, sql: "SELECT * FROM dsr_request ORDER BY id").map { "\($0)" }
            let mails = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM mail_outbox") ?? 0
            let audit = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM audit_log") ?? 0
            return requests + ["mails \(mails)", "audit \(audit)"]
        }
    }
}
