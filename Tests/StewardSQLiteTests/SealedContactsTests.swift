import Foundation
import GRDB
import StewardCore
import StewardMail
import StewardSQLite
import StewardStore
import Testing

/// Contact details (email addresses, phone numbers) are never in the clear in the live database: sealed with the
/// person's key (or the service key when they belong to no account) and found by a keyed hash.
@Suite struct SealedContactsTests {
    static let master = Array(repeating: UInt8(7), count: 32)

    struct Contacts {
        let email = "Ada.Lovelace-\(UUID().uuidString.prefix(8))@Example.org"
        let phone = "+44 20 7946 \(Int.random(in: 1000...9999))"
        let parent = "guardian-\(UUID().uuidString.prefix(8))@example.net"
        let stranger = "stranger-\(UUID().uuidString.prefix(8))@example.com"
        var all: [String] { [email, email.lowercased(), phone, parent, stranger] }
    }

    func makeDirectory() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("steward-contacts-\(UUID().uuidString)").path
    }

    /// An account with a phone number and a parent's address, mail to both (the parent's names the account), failed sign-ins by the account's address
    /// (typed in capitals) and a stranger's, and a request and a complaint from the stranger, who has no account.
    func holdContacts(_ store: SQLiteStore, _ c: Contacts) async throws -> User {
        let tenant = Tenant(name: "Analytical Engines", createdTime: 1)
        let user = User(tenantID: tenant.id, customerID: nil, email: c.email, authority: .tenantAdmin, firstName: "Ada", createdTime: 2)
        try await store.apply([
            .createTenant(tenant),
            .createUser(user, passwordHash: "not-a-real-hash", details: AccountDetails(status: .active, phone: c.phone, parentEmail: c.parent)),
            .enqueueMail(NewMail(recipient: c.email, subject: "Welcome", textBody: "Hello")),
            .enqueueMail(NewMail(recipient: c.parent, subject: "Your consent, please", textBody: "\(c.email) asks for your consent")),
            .recordSignIn(SignInRecord(time: 3, email: c.email.uppercased(), userID: nil, ip: "192.0.2.77", client: "probe", outcome: .wrongPassword)),
            .recordSignIn(SignInRecord(time: 4, email: c.stranger, userID: nil, ip: "192.0.2.78", client: "probe", outcome: .wrongPassword)),
            .rights(
                .createRequest(
                    RequestRecord(
                        id: UUID().uuidString, tenantID: nil, userID: nil, email: c.stranger, name: "Stranger", kind: .access, details: "",
                        jurisdiction: "DE", status: .open, source: .publicForm, receivedTime: 5))),
            .rights(
                .recordComplaint(
                    ComplaintRecord(id: UUID().uuidString, tenantID: nil, userID: nil, name: nil, email: c.stranger, text: "Too much mail", receivedTime: 6))),
        ])
        return user
    }

    /// The needles found in the bytes of the database and its write-ahead log.
    func plainInFiles(_ directory: String, _ needles: [String]) throws -> [String] {
        var found: [String] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: directory) where name.hasPrefix("steward.sqlite") {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: (directory as NSString).appendingPathComponent(name)))
            for needle in needles where bytes.range(of: Data(needle.utf8)) != nil { found.append("\(needle) in \(name)") }
        }
        return found
    }

    /// Recipients and texts of the outbox, as the mail sender reads them.
    func outbox(_ store: SQLiteStore) async throws -> [String] {
        try await SQLiteMailOutbox(store: store).dueMail(now: Int64.max, limit: 10_000).sorted { $0.id < $1.id }.map {
            "\($0.recipient): \($0.textBody)"
        }
    }

    // promise: MS-6
    @Test func contactDetailsAreSealedAtRestAndFoundByAnySpellingOfTheAddress() async throws {
        let directory = makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try SQLiteStore(directory: directory, durability: .normal, masterKey: Self.master)
        let c = Contacts()
        let user = try await holdContacts(store, c)

        // Every read path sees the plain values.
        let account = try #require(try await store.account(email: c.email.lowercased()))
        #expect(account.user.id == user.id && account.user.email == c.email)
        #expect(account.details.phone == c.phone && account.details.parentEmail == c.parent)
        #expect(try await store.credentials(email: " \(c.email.uppercased()) ")?.user.id == user.id)
        #expect(try await store.user(id: user.id)?.email == c.email)
        #expect(try await store.failedSignIns(email: c.email, since: 0) == 1)
        #expect(try await store.requests(email: c.stranger.uppercased()).map(\.email) == [c.stranger])
        #expect(try await store.complaintCount(email: c.stranger, since: 0) == 1)
        #expect(try await outbox(store) == ["\(c.email): Hello", "\(c.parent): \(c.email) asks for your consent"])
        let profile = try await store.personalRecords(.profile, of: user.id, after: nil, limit: 10).table
        #expect(profile.rows.first?.contains(.string(c.email)) == true && profile.rows.first?.contains(.string(c.phone)) == true)
        let signIns = try await store.personalRecords(.signIns, of: user.id, after: nil, limit: 10).table
        #expect(signIns.rows.count == 1 && signIns.rows.first?.contains(.string(c.email.uppercased())) == true)

        // Addresses stay unique ignoring case, by their hash.
        let twin = User(tenantID: nil, customerID: nil, email: c.email.uppercased(), authority: .systemAdmin, createdTime: 9)
        await #expect(throws: StewardError.self) {
            try await store.apply([.createUser(twin, passwordHash: "x", details: AccountDetails())])
        }

        // None of them is in the clear in the database or its log; the scan does find what is stored plain.
        try await store.purgeErasedRemnants()
        #expect(try plainInFiles(directory, ["Analytical Engines", "192.0.2.77"]).count >= 2)
        #expect(try plainInFiles(directory, c.all) == [])

        // Without the person's key their address cannot be read at all, and the refusal says what is missing;
        // the stranger's, sealed with the service key, still opens.
        try #require(store.keys).destroy(user.id)
        await #expect {
            _ = try await store.account(email: c.email)
        } throws: { error in
            "\(error)".contains("keys.sqlite")
        }
        #expect(try await store.requests(email: c.stranger).map(\.email) == [c.stranger])
    }

    // promise: MS-6
    @Test func recordsThatOutliveAnAccountStayReadableAndNewKeysSurviveABackup() async throws {
        let directory = makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try SQLiteStore(directory: directory, durability: .normal, masterKey: Self.master)
        let c = Contacts()
        let user = try await holdContacts(store, c)
        // A request and a complaint filed from the account are kept under a legal hold after it is gone; they are
        // sealed with the service key, so losing the person's key does not make them (or the lists) unreadable.
        try await store.apply([
            .rights(
                .createRequest(
                    RequestRecord(
                        id: UUID().uuidString, tenantID: nil, userID: user.id, email: c.email, name: nil, kind: .erasure, details: "",
                        jurisdiction: "DE", status: .open, source: .selfService, receivedTime: 7))),
            .rights(
                .recordComplaint(
                    ComplaintRecord(id: UUID().uuidString, tenantID: nil, userID: user.id, name: nil, email: c.email, text: "Slow", receivedTime: 8))),
        ])
        let keys = try #require(store.keys)
        try keys.destroy(user.id)
        #expect(try await store.requests(user: user.id).map(\.email) == [c.email])
        #expect(try await store.complaints(tenant: nil).map(\.email).sorted() == [c.email, c.stranger].sorted())
        #expect(try await outbox(store).count == 2)

        // A key made in a transaction that has not committed yet (no account row) is not swept by a backup.
        let newcomer = UserID()
        _ = try keys.key(for: newcomer)
        try store.backup(to: (directory as NSString).appendingPathComponent("backup.sqlite"))
        #expect(try keys.existingKey(for: newcomer) != nil)
    }

    // promise: MS-6
    @Test func aDatabaseWrittenInTheClearIsSealedWhenOpenedWithTheMasterKey() async throws {
        let directory = makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let c = Contacts()
        let user: User
        do {
            // A store without a master key writes them plain, as Steward did before sealing.
            let plain = try SQLiteStore(directory: directory, durability: .normal)
            user = try await holdContacts(plain, c)
            try await plain.purgeErasedRemnants()
            #expect(try plainInFiles(directory, [c.email, c.phone, c.parent, c.stranger]).count >= 4)
        }
        let store = try SQLiteStore(directory: directory, durability: .normal, masterKey: Self.master)
        #expect(try await store.account(email: c.email.uppercased())?.details.phone == c.phone)
        #expect(try await store.user(id: user.id)?.email == c.email)
        #expect(try await store.failedSignIns(email: c.email, since: 0) == 1)
        #expect(try await store.requests(email: c.stranger).count == 1)
        #expect(try await outbox(store) == ["\(c.email): Hello", "\(c.parent): \(c.email) asks for your consent"])
        // Sealing checkpointed the log, and secure_delete zeroed the space the clear values took.
        #expect(try plainInFiles(directory, c.all) == [])
    }
}
