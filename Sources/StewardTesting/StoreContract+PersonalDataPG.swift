import Foundation
import StewardCore
import StewardStore
import Testing

/// More of `PersonalDataStore`'s contract, written when the PostgreSQL backend was built: sensitive readings and
/// attributes (sealed where the backend has keys) are read back opened and folded into statistics on erasure;
/// statistics of a second erasure on the same day add to the first; the receipt stays readable after the person and
/// their workspace are gone; the clean-up after an erasure runs.
extension StoreContract {
    public static func erasureFoldsSensitiveReadingsAndLeavesAReceipt(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let f = try await erasureFixture(s)
            // Assigned first, so the sensitive readings are sealed with the person's key where the backend seals.
            try await s.personalData.assignDevice(tenant: f.tenant.id, device: f.worn.id, to: f.person.id)
            try await s.writer.write(
                TelemetryBatch(
                    device: f.worn.id,
                    entries: [
                        TimedValues(ts: 1_000, values: [KeyValue("power", .long(3)), KeyValue("heartRate", .long(60))]),
                        TimedValues(ts: 2_000, values: [KeyValue("power", .double(4.5))]),
                        TimedValues(ts: 3_000, values: [KeyValue("power", .string("n/a"))]),
                        TimedValues(ts: 86_400_000 + 5, values: [KeyValue("power", .long(-2))]),
                    ],
                    sensitiveKeys: ["power"]))
            try await s.attributes.saveAttributes(
                tenant: f.tenant.id, device: f.worn.id, scope: .shared, values: [KeyValue("diagnosis", .string("flu")), KeyValue("bed", .long(4))],
                ts: 20, sensitiveKeys: ["diagnosis"])
            let worn = try #require(try await s.personalData.devices(concerning: f.person.id).first).seq

            // Sensitive readings and attributes read back opened, in key and time order.
            let page = try await s.personalData.readings(device: worn, after: nil, limit: 100)
            #expect(page.next == nil)
            let power = page.readings.filter { $0.key == "power" }
            #expect(power.map(\.ts) == [1_000, 2_000, 3_000, 86_400_005])
            #expect(power.map(\.value) == [.long(3), .double(4.5), .string("n/a"), .long(-2)])
            #expect(page.readings.filter { $0.key == "heartRate" }.map(\.value) == [.long(60)])
            #expect(try await s.personalData.readingCounts(device: worn) == ["power": 4, "heartRate": 1])
            #expect(try await s.personalData.telemetryKeys(device: worn) == ["heartRate", "power"])
            #expect(
                try await s.personalData.attributeRows(device: worn) == [
                    [.string("SHARED_SCOPE"), .string("bed"), .number("20"), .string("4")],
                    [.string("SHARED_SCOPE"), .string("diagnosis"), .number("20"), .string("flu")],
                ])

            let plan = erasurePlan(f)
            let counts = try await s.personalData.erase(plan)
            #expect(counts.aggregated == 3)  // the three numeric power readings, over two days; the text one is not
            #expect(counts.aggregatedCategories == ["device.energy"])
            #expect(counts.deleted["readings"] == 5)
            #expect(counts.deleted["latest readings"] == 2)
            #expect(counts.deleted["device attributes"] == 2)
            #expect(counts.deleted["organisation"] == nil)  // the colleague keeps the workspace
            #expect(try await s.personalData.readingCount(devices: [worn]) == 0)
            #expect(try await s.personalData.attributeRows(device: worn).isEmpty)
            #expect(try await s.personalData.telemetryKeys(device: worn).isEmpty)
            let receipt = try #require(try await s.personalData.receipt(id: plan.receipt.id))
            #expect(receipt == ErasureReceiptRecord(
                id: plan.receipt.id, time: plan.receipt.time,
                body: plan.receiptWording.body(id: plan.receipt.id, time: plan.receipt.time, counts: counts)))
            try await s.personalData.purgeErasedRemnants()

            // The colleague is now alone in the workspace: erasing them takes it and both devices, and their power
            // reading of the same day adds to the statistics the first erasure made.
            try await write(s, f.other.id, "power", [(1_500, .long(7))])
            #expect(try await s.personalData.soleTenant(of: f.colleague.id) == f.tenant.id)
            let second = ErasurePlan(
                user: f.colleague.id, email: f.colleague.email, telemetry: plan.telemetry, aggregatedCategories: plan.aggregatedCategories,
                receipt: ErasureReceiptRecord(id: "receipt-\(UUID().uuidString)", time: 2_000, body: ""),
                receiptWording: plan.receiptWording, audit: plan.audit)
            let secondCounts = try await s.personalData.erase(second)
            #expect(secondCounts.aggregated == 1)
            #expect(secondCounts.deleted["devices"] == 2 && secondCounts.deleted["organisation"] == 1)
            #expect(secondCounts.deleted["readings"] == 1)
            #expect(try await s.devices.device(tenant: f.tenant.id, id: f.worn.id) == nil)
            try await s.personalData.purgeErasedRemnants()
            // Both receipts outlive everyone they are about; an unknown id has none.
            #expect(try await s.personalData.receipt(id: plan.receipt.id) == receipt)
            #expect(try await s.personalData.receipt(id: second.receipt.id)?.time == 2_000)
            #expect(try await s.personalData.receipt(id: "receipt-unknown") == nil)
            await expectStewardError(.notFound) { try await s.personalData.assignDevice(tenant: f.tenant.id, device: f.worn.id, to: nil) }
        }
    }

    /// Every kind of record reads the same on every backend, column by column: numbers as numbers, flags as 1 and 0,
    /// missing values as null, contact details opened, a picture as whether there is one; records of another person
    /// are never included; records that share a time come in the order they were written, a page at a time.
    public static func personalRecordsReadColumnByColumn(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let alice = try await account(
                s, email: "alice@example.com",
                details: AccountDetails(emailVerifiedTime: 1_100, jurisdiction: "GB", ageBasis: "adult", parentEmail: "mum@example.com"))
            let bob = try await account(s, email: "bob@example.com")
            let tenantName = try #require(try await s.accounts.tenant(id: alice.tenantID!)?.name)
            try await s.identity.apply([
                .updateProfile(alice.id, firstName: "Alice", company: "ACME", phone: "+44 20 7946 0000"),
                .setPicture(alice.id, bytes: [1, 2, 3], contentType: "image/png"),
                .recordSignIn(SignInRecord(
                    time: 1_200, email: "Alice@Example.com", userID: alice.id, ip: "198.51.100.7", client: "Firefox/140", outcome: .success,
                    newPlace: true)),
                .recordSignIn(signIn(1_300, "alice@example.com", alice.id, .wrongPassword)),
                .recordSignIn(signIn(1_250, "bob@example.com", bob.id, .success)),
                // Sessions and keys sharing a time: written order decides.
                .createSession(session("s-2", user: alice.id, secretHash: "h2")),
                .createSession(session("s-1", user: alice.id, secretHash: "h1")),
                .createSession(session("s-bob", user: bob.id, secretHash: "hb")),
                .revokeSession(id: "s-2", userID: alice.id, at: 1_500),
                .createAPIKey(APIKeyRecord(
                    id: "k-2", prefix: "p2", secretHash: "x", userID: alice.id, tenantID: alice.tenantID, name: "CI", role: .full,
                    createdTime: 1_000)),
                .createAPIKey(APIKeyRecord(
                    id: "k-1", prefix: "p1", secretHash: "y", userID: alice.id, tenantID: nil, name: "Board", role: .readOnly,
                    createdTime: 1_000)),
                .recordAgreement(PolicyAgreement(userID: alice.id, policyVersion: "7", time: 1_000, method: "signup", ip: "198.51.100.7", client: "c")),
                .audit(AuditEvent(
                    time: 1_400, tenantID: alice.tenantID, actorID: bob.id, credential: "web", subjectID: alice.id, event: "user.locked",
                    detail: "by an admin", ip: nil)),
                .audit(AuditEvent(time: 1_410, tenantID: alice.tenantID, actorID: alice.id, credential: "key p2", subjectID: nil, event: "api.write")),
                .enqueueMail(NewMail(recipient: "ALICE@example.com", subject: "Welcome", textBody: "Hello Alice")),
            ])

            func all(_ kind: PersonalRecordKind) async throws -> PersonalTable {
                var cursor: Int64? = nil
                var table: PersonalTable? = nil
                for _ in 0..<10 {
                    let page = try await s.personalData.personalRecords(kind, of: alice.id, after: cursor, limit: 1)
                    if table == nil { table = page.table } else { table!.rows += page.table.rows }
                    cursor = page.next
                    if cursor == nil { break }
                }
                return table!
            }
            let n = { (i: Int64) in JSONValue.number("\(i)") }
            let profile = try await all(.profile)
            #expect(
                profile.columns == [
                    "account_id", "email", "first_name", "last_name", "company", "phone", "authority", "tenant", "country", "age_basis",
                    "parent_email", "status", "created_time", "email_verified_time", "second_factor", "has_picture", "source",
                ])
            #expect(
                profile.rows == [
                    [
                        .string(alice.id.description), .string("alice@example.com"), .string("Alice"), .null, .string("ACME"),
                        .string("+44 20 7946 0000"), .string("TENANT_ADMIN"), .string(tenantName), .string("GB"), .string("adult"),
                        .string("mum@example.com"), .string("active"), n(1_000), n(1_100), .null, n(1), profile.rows.first?.last ?? .null,
                    ]
                ])
            if case .string = profile.rows.first?.last {} else { Issue.record("source is not text: \(profile.rows)") }

            let signIns = try await all(.signIns)
            #expect(signIns.columns == ["time", "email", "outcome", "new_place", "ip", "client"])
            #expect(
                signIns.rows == [
                    [n(1_200), .string("Alice@Example.com"), .string("success"), n(1), .string("198.51.100.7"), .string("Firefox/140")],
                    [n(1_300), .string("alice@example.com"), .string("wrong-password"), n(0), .string("198.51.100.7"), .string("Firefox/140")],
                ])
            let sessions = try await all(.sessions)
            #expect(sessions.columns == ["id", "kind", "stage", "created_time", "last_seen_time", "expires_time", "revoked_time", "ip", "client"])
            #expect(column("id", of: sessions) == [.string("s-2"), .string("s-1")])
            #expect(column("revoked_time", of: sessions) == [n(1_500), .null])
            #expect(column("expires_time", of: sessions) == [n(1_000_000), n(1_000_000)])
            let keys = try await all(.apiKeys)
            #expect(keys.rows == [
                [.string("k-2"), .string("p2"), .string("CI"), .string("full"), n(1_000), .null, .null, .null],
                [.string("k-1"), .string("p1"), .string("Board"), .string("read-only"), n(1_000), .null, .null, .null],
            ])
            let audit = try await all(.audit)
            #expect(audit.columns == ["seq", "time", "event", "detail", "credential", "ip", "by_you", "about_you"])
            #expect(audit.rows.map { Array($0.dropFirst()) } == [[n(1_400), .string("user.locked"), .string("by an admin"), .string("web"), .null, n(0), n(1)]])
            let usage = try await all(.usage)
            #expect(usage.rows == [[n(1_410), .string("key p2"), .string(""), .null]])
            let agreements = try await all(.policyAgreements)
            #expect(agreements.rows == [[n(1_000), .string("7"), .string("signup"), .string("198.51.100.7"), .string("c")]])
            let mail = try await all(.mail)
            #expect(mail.columns == ["created_time", "subject", "sent_time", "attempts", "last_error"])
            #expect(column("subject", of: mail) == [.string("Welcome")] && column("sent_time", of: mail) == [.null])
            #expect(column("attempts", of: mail) == [n(0)])
            let newestSessions = try await s.personalData.newestPersonalRecords(.sessions, of: alice.id, limit: 1)
            #expect(newestSessions.total == 2 && column("id", of: newestSessions.table) == [.string("s-1")])
        }
    }

    /// An erasure also removes queued mail about the person sent to someone else (a parent's consent request names
    /// the child) and no other mail of theirs, takes the person's name out of a shared workspace's name ("<name>
    /// (xxxxxx)" from sign-up), applies the plan's own changes in the same transaction and counts the audit entries
    /// kept about the person.
    public static func erasureRemovesMailAboutThePersonAndTheirNameFromAWorkspace(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let shared = Tenant(name: "Test (a1b2c3)", createdTime: 1)
            try await s.accounts.createTenant(shared)
            let child = try await account(s, email: "kid@example.com", tenant: shared.id)
            let teacher = try await account(s, email: "teacher@example.com", tenant: shared.id)
            let parent = try await account(s, email: "mum@example.com")
            try await s.identity.apply([
                .enqueueMail(NewMail(recipient: "mum@example.com", subject: "Consent", textBody: "Please confirm KID@example.com may join")),
                .enqueueMail(NewMail(recipient: "MUM@example.com", subject: "News", textBody: "Nothing about anyone")),
                .enqueueMail(NewMail(recipient: "kid@example.com", subject: "Welcome", textBody: "Hello")),
                .enqueueMail(NewMail(recipient: "teacher@example.com", subject: "Class", textBody: "About kid@example.com")),
            ])
            var plan = ErasurePlan(
                user: child.id, email: child.email, telemetry: TelemetryMapping(defaultCategory: "device.telemetry", rules: []),
                aggregatedCategories: [], receipt: ErasureReceiptRecord(id: "receipt-\(UUID().uuidString)", time: 5_000, body: ""),
                receiptWording: ErasureReceiptWording(controller: "School", policyVersion: "1", requestsKeptFor: "3 years"),
                audit: AuditEvent(time: 5_000, tenantID: shared.id, actorID: nil, credential: "contract", subjectID: child.id, event: "account.erased"),
                changes: [.audit(AuditEvent(time: 4_999, tenantID: shared.id, actorID: nil, credential: "contract", subjectID: child.id, event: "request.honoured"))])
            plan.otherRecipients = ["Mum@example.com"]
            let counts = try await s.personalData.erase(plan)
            #expect(counts.deleted["mail"] == 1)
            #expect(counts.deleted["mail about you to others"] == 1)
            #expect(counts.deleted["name in a shared workspace's name"] == 1)
            #expect(counts.deleted["organisation"] == nil && counts.deleted["devices"] == nil)
            #expect(counts.kept["audit entries"] == 1)  // the plan's own change; the erasure's entry follows the count
            #expect(counts.kept["requests"] == 0)
            #expect(try await s.accounts.tenant(id: shared.id)?.name == "Workspace (a1b2c3)")
            let parentsMail = try await s.personalData.newestPersonalRecords(.mail, of: parent.id, limit: 10)
            #expect(column("subject", of: parentsMail.table) == [.string("News")])
            // Mail to others that merely mentions the address is not the plan's to remove unless they were named.
            #expect(column("subject", of: try await s.personalData.newestPersonalRecords(.mail, of: teacher.id, limit: 10).table) == [.string("Class")])
            let audit = try await s.identity.auditEntries(tenant: shared.id, subject: child.id, event: nil, limit: 10)
            #expect(Set(audit.map(\.event.event)) == ["request.honoured", "account.erased"])
        }
    }

    /// An erasure is all or nothing: when one of the plan's changes fails, the error comes back and nothing is gone:
    /// the account, the device's assignment, its sensitive readings (still readable, so the person's key was kept)
    /// and no receipt.
    public static func erasureIsAllOrNothing(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let f = try await erasureFixture(s)
            try await s.personalData.assignDevice(tenant: f.tenant.id, device: f.worn.id, to: f.person.id)
            try await s.writer.write(
                TelemetryBatch(
                    device: f.worn.id, entries: [TimedValues(ts: 1_000, values: [KeyValue("power", .long(3))])], sensitiveKeys: ["power"]))
            var plan = erasurePlan(f)
            plan.changes = [.consumeToken(hash: "no-such-token", purpose: .resetPassword, at: 1_000)]
            await expectStewardError(.conflict) { _ = try await s.personalData.erase(plan) }
            #expect(try await s.accounts.user(tenant: f.tenant.id, id: f.person.id) != nil)
            let devices = try await s.personalData.devices(concerning: f.person.id)
            #expect(devices.map(\.id) == [f.worn.id])
            let worn = try #require(devices.first).seq
            #expect(try await s.personalData.readings(device: worn, after: nil, limit: 10).readings.map(\.value) == [.long(3)])
            #expect(try await s.personalData.receipt(id: plan.receipt.id) == nil)
            // The same plan without the failing change goes through.
            plan.changes = []
            #expect(try await s.personalData.erase(plan).deleted["readings"] == 1)
        }
    }
}
