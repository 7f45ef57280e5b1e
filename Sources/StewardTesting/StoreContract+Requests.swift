import Foundation
import StewardCore
import StewardStore
import Testing

/// The contract of `IdentityStore`, part four: data-subject requests with their statutory clock, complaints and the
/// disclosure register (`RightsChange`).
extension StoreContract {
    static func request(
        _ id: String, tenant: TenantID?, user: UserID?, email: String, kind: RequestKind = .access, status: RequestStatus = .open,
        source: RequestSource = .selfService, verificationHash: String? = nil, verificationExpires: Int64? = nil, received: Int64,
        due: Int64? = nil
    ) -> RequestRecord {
        RequestRecord(
            id: id, tenantID: tenant, userID: user, email: email, name: user == nil ? "Visitor \(id)" : nil, kind: kind,
            details: "details of \(id)", jurisdiction: "GDPR", status: status, source: source, verificationHash: verificationHash,
            verificationExpires: verificationExpires, receivedTime: received, dueTime: due)
    }

    /// Requests are found by id, by verification hash, by email in any letter case (with or without an account) and
    /// by account, and listed per tenant or all, oldest first; a public-form request is verified once, with the right
    /// hash and before its link expires; an open request is extended once before its due date; an open or extended
    /// request is closed once (every refusal is a `conflict` that changes nothing); unverified requests whose link
    /// expired are purged.
    public static func requestsAreFoundVerifiedExtendedAndClosedOnce(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let alice = try await account(s, email: "alice@example.com")
            let bob = try await account(s, email: "bob@example.com")
            let r1 = request("r1", tenant: alice.tenantID, user: alice.id, email: "alice@example.com", received: 1_000, due: 5_000)
            let r2 = request(
                "r2", tenant: nil, user: nil, email: "Alice@Example.com", kind: .confirmation, status: .awaitingVerification,
                source: .publicForm, verificationHash: "vh2", verificationExpires: 3_000, received: 1_100)
            let r3 = request("r3", tenant: bob.tenantID, user: bob.id, email: "bob@example.com", kind: .erasure, received: 900, due: 4_000)
            let r4 = request(
                "r4", tenant: nil, user: nil, email: "ghost@example.com", status: .awaitingVerification, source: .publicForm,
                verificationHash: "vh4", verificationExpires: 1_500, received: 1_200)
            try await s.identity.apply([.rights(.createRequest(r1)), .rights(.createRequest(r2)), .rights(.createRequest(r3)), .rights(.createRequest(r4))])

            #expect(try await s.identity.request(id: "r1") == r1)
            #expect(try await s.identity.request(id: "nope") == nil)
            #expect(try await s.identity.request(verificationHash: "vh2") == r2)
            #expect(try await s.identity.request(verificationHash: "nope") == nil)
            #expect(try await s.identity.requests(email: "ALICE@example.com") == [r1, r2])
            #expect(try await s.identity.requests(email: "nobody@example.com").isEmpty)
            #expect(try await s.identity.requests(user: alice.id) == [r1])
            #expect(try await s.identity.requests(tenant: alice.tenantID) == [r1])
            #expect(try await s.identity.requests(tenant: bob.tenantID) == [r3])
            #expect(try await s.identity.requests(tenant: nil) == [r3, r1, r2, r4])

            // Verification: once, with the right hash, before expiry.
            await expectStewardError(.conflict) {
                try await s.identity.apply([.rights(.verifyRequest(id: "r2", hash: "wrong", at: 2_000, acknowledgeBy: 2_500, due: 9_000))])
            }
            try await s.identity.apply([.rights(.verifyRequest(id: "r2", hash: "vh2", at: 2_000, acknowledgeBy: 2_500, due: 9_000))])
            let verified = try #require(try await s.identity.request(id: "r2"))
            #expect(verified.status == .open && verified.verifiedTime == 2_000 && verified.acknowledgedTime == 2_000)
            #expect(verified.acknowledgeBy == 2_500 && verified.dueTime == 9_000)
            await expectStewardError(.conflict) {
                try await s.identity.apply([.rights(.verifyRequest(id: "r2", hash: "vh2", at: 2_100, acknowledgeBy: nil, due: 9_900))])
            }
            #expect(try await s.identity.request(id: "r2") == verified)
            await expectStewardError(.conflict) {
                try await s.identity.apply([.rights(.verifyRequest(id: "r4", hash: "vh4", at: 1_500, acknowledgeBy: nil, due: 9_000))])
            }
            #expect(try await s.identity.request(id: "r4") == r4)

            // Extension: once, while open and before the first due date.
            try await s.identity.apply([.rights(.extendRequest(id: "r1", until: 8_000, reason: "complex", at: 2_000))])
            let extended = try #require(try await s.identity.request(id: "r1"))
            #expect(extended.status == .extended && extended.extendedDueTime == 8_000 && extended.extensionReason == "complex")
            #expect(extended.extensionNotifiedTime == 2_000 && extended.effectiveDueTime == 8_000 && extended.dueTime == 5_000)
            await expectStewardError(.conflict) {
                try await s.identity.apply([.rights(.extendRequest(id: "r1", until: 9_000, reason: "again", at: 2_100))])
            }
            await expectStewardError(.conflict) {
                try await s.identity.apply([.rights(.extendRequest(id: "r3", until: 9_000, reason: "late", at: 4_000))])
            }
            #expect(try await s.identity.request(id: "r3") == r3)

            // Closing: once, while open or extended.
            try await s.identity.apply([.rights(.closeRequest(id: "r1", status: .done, outcome: "sent the copy", by: bob.id, at: 3_000))])
            let closed = try #require(try await s.identity.request(id: "r1"))
            #expect(closed.status == .done && closed.outcome == "sent the copy" && closed.closedBy == bob.id && closed.closedTime == 3_000)
            await expectStewardError(.conflict) {
                try await s.identity.apply([.rights(.closeRequest(id: "r1", status: .refused, outcome: "again", by: nil, at: 3_100))])
            }
            await expectStewardError(.conflict) {
                try await s.identity.apply([.rights(.closeRequest(id: "r4", status: .done, outcome: "unverified", by: nil, at: 3_100))])
            }
            try await s.identity.apply([.rights(.closeRequest(id: "r3", status: .refused, outcome: "legal hold", by: nil, at: 3_200))])
            #expect(try await s.identity.request(id: "r1") == closed)
            #expect(try await s.identity.request(id: "r3")?.status == .refused)

            // Only unverified requests whose link expired before the time are purged.
            try await s.identity.apply([.rights(.purgeUnverifiedRequests(before: 1_500))])
            #expect(try await s.identity.request(id: "r4") != nil)
            try await s.identity.apply([.rights(.purgeUnverifiedRequests(before: 1_501))])
            #expect(try await s.identity.request(id: "r4") == nil)
            #expect(try await s.identity.requests(tenant: nil).map(\.id) == ["r3", "r1", "r2"])
        }
    }

    /// Complaints are listed per tenant or all, newest first, and counted per email in any letter case from `since`
    /// on; disclosures are listed per person oldest first and per tenant or all newest first, restricted or not.
    public static func complaintsAndDisclosuresAreListed(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let alice = try await account(s, email: "alice@example.com")
            let bob = try await account(s, email: "bob@example.com")
            let c1 = ComplaintRecord(id: "c1", tenantID: alice.tenantID, userID: alice.id, name: nil, email: "alice@example.com", text: "one", receivedTime: 1_000)
            let c2 = ComplaintRecord(id: "c2", tenantID: nil, userID: nil, name: "Ghost", email: "Ghost@Example.com", text: "two", receivedTime: 2_000)
            let c3 = ComplaintRecord(id: "c3", tenantID: bob.tenantID, userID: bob.id, name: "Bob", email: "bob@example.com", text: "three", receivedTime: 1_500)
            try await s.identity.apply([.rights(.recordComplaint(c1)), .rights(.recordComplaint(c2)), .rights(.recordComplaint(c3))])
            #expect(try await s.identity.complaints(tenant: alice.tenantID) == [c1])
            #expect(try await s.identity.complaints(tenant: nil) == [c2, c3, c1])
            #expect(try await s.identity.complaintCount(email: "ghost@EXAMPLE.com", since: 2_000) == 1)
            #expect(try await s.identity.complaintCount(email: "ghost@example.com", since: 2_001) == 0)
            #expect(try await s.identity.complaintCount(email: "alice@example.com", since: 0) == 1)
            #expect(try await s.identity.complaintCount(email: "nobody@example.com", since: 0) == 0)

            let d1 = DisclosureRecord(
                id: "d1", tenantID: alice.tenantID, userID: alice.id, recipient: "Police", categories: ["account.contact", "device.telemetry"],
                what: "sign-in history", legalGround: "order 12/3", disclosedTime: 2_000, recordedTime: 2_100, recordedBy: bob.id)
            let d2 = DisclosureRecord(
                id: "d2", tenantID: alice.tenantID, userID: alice.id, recipient: "Court", categories: [], what: "profile",
                legalGround: "§ 1", disclosedTime: 1_000, recordedTime: 1_100, recordedBy: nil, restrictedUntil: 5_000,
                restrictionReason: "ongoing investigation")
            let d3 = DisclosureRecord(
                id: "d3", tenantID: bob.tenantID, userID: bob.id, recipient: "Tax office", categories: ["account.billing"], what: "invoices",
                legalGround: "statute", disclosedTime: 1_500, recordedTime: 1_600, recordedBy: nil)
            try await s.identity.apply([.rights(.recordDisclosure(d1)), .rights(.recordDisclosure(d2)), .rights(.recordDisclosure(d3))])
            #expect(try await s.identity.disclosures(of: alice.id) == [d2, d1])
            #expect(try await s.identity.disclosures(of: bob.id) == [d3])
            #expect(try await s.identity.disclosures(tenant: alice.tenantID) == [d1, d2])
            #expect(try await s.identity.disclosures(tenant: nil) == [d1, d3, d2])
        }
    }

    /// Pseudonymising a person's requests and complaints replaces their address (matched by account or by address in
    /// any letter case) and name with the pseudonym, empties the request details and replaces the address in the
    /// outcome and complaint text; other people's records are untouched.
    public static func pseudonymizingRequestsLeavesNoAddress(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let alice = try await account(s, email: "alice@example.com")
            let bob = try await account(s, email: "bob@example.com")
            var r1 = request("r1", tenant: alice.tenantID, user: alice.id, email: "alice@example.com", received: 1_000, due: 5_000)
            r1.name = "Alice"
            r1.outcome = "mailed alice@example.com"
            let r2 = request("r2", tenant: nil, user: nil, email: "ALICE@example.com", received: 1_100)
            let r3 = request("r3", tenant: bob.tenantID, user: bob.id, email: "bob@example.com", received: 1_200)
            let c1 = ComplaintRecord(
                id: "c1", tenantID: nil, userID: nil, name: "Alice", email: "alice@example.com", text: "write to alice@example.com",
                receivedTime: 1_000)
            let c2 = ComplaintRecord(id: "c2", tenantID: bob.tenantID, userID: bob.id, name: "Bob", email: "bob@example.com", text: "bob", receivedTime: 1_000)
            try await s.identity.apply([
                .rights(.createRequest(r1)), .rights(.createRequest(r2)), .rights(.createRequest(r3)), .rights(.recordComplaint(c1)),
                .rights(.recordComplaint(c2)),
            ])

            let pseudonym = "erased-7f3a@steward.invalid"
            try await s.identity.apply([.rights(.pseudonymizeRequests(user: alice.id, email: "alice@example.com", pseudonym: pseudonym))])
            #expect(try await s.identity.requests(email: "alice@example.com").isEmpty)
            let renamed = try await s.identity.requests(email: pseudonym)
            #expect(renamed.map(\.id) == ["r1", "r2"])
            #expect(renamed.allSatisfy { $0.email == pseudonym && $0.name == nil && $0.details.isEmpty })
            #expect(renamed.first?.outcome == "mailed \(pseudonym)")
            #expect(renamed.first?.kind == r1.kind && renamed.first?.receivedTime == r1.receivedTime && renamed.first?.dueTime == r1.dueTime)
            #expect(try await s.identity.request(id: "r3") == r3)

            #expect(try await s.identity.complaintCount(email: "alice@example.com", since: 0) == 0)
            #expect(try await s.identity.complaintCount(email: pseudonym, since: 0) == 1)
            let complaints = try await s.identity.complaints(tenant: nil)
            let renamedComplaint = try #require(complaints.first { $0.id == "c1" })
            #expect(renamedComplaint.email == pseudonym && renamedComplaint.name == nil && renamedComplaint.text == "write to \(pseudonym)")
            #expect(complaints.first { $0.id == "c2" } == c2)
        }
    }
}
