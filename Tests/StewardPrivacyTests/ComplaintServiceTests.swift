import Foundation
import StewardCore
import StewardSQLite
import StewardStore
import Testing

@testable import StewardPrivacy

/// Complaints are recorded, and the answer names the supervisory authority of the declaration with its contact.
@Suite struct ComplaintServiceTests {
    let fixture: RequestFixture

    init() async throws {
        fixture = try await RequestFixture()
    }

    // promise: MB-24
    @Test func theAnswerNamesTheSupervisoryAuthorityWithItsContact() async throws {
        let authority = fixture.declaration.supervisoryAuthority
        let answer = try await fixture.complaints.file(
            name: "Vi Sitor", email: "Vi@Example.test", text: "You kept mailing me after I unsubscribed.", ip: "198.51.100.9")
        #expect(answer.authority == authority && answer.dpo == fixture.declaration.dpo)
        let stored = try #require(try await fixture.store.complaints(tenant: nil).first)
        #expect(stored.id == answer.complaintID && stored.email == "vi@example.test" && stored.name == "Vi Sitor")
        #expect(stored.text == "You kept mailing me after I unsubscribed." && stored.tenantID == nil)

        let mail = try #require(try await fixture.outbox().last)
        #expect(mail.recipient == "vi@example.test" && mail.subject == "We received your complaint")
        #expect(mail.body.contains(authority.name) && mail.body.contains(authority.url))
        if let address = authority.address { #expect(mail.body.contains(address)) }
        if let dpo = fixture.declaration.dpo { #expect(mail.body.contains(dpo.email)) }
        #expect(!mail.body.contains("unsubscribed"), "the mail does not repeat the sender's text")
    }

    // promise: MB-24
    @Test func aSignedInComplaintUsesTheAccountAndStaffSeeItByScope() async throws {
        let answer = try await fixture.complaints.file(name: nil, email: nil, text: "My data was shown to another site.", user: fixture.personA)
        let stored = try #require(try await fixture.store.complaints(tenant: nil).first { $0.id == answer.complaintID })
        #expect(stored.userID == fixture.personA.id && stored.email == fixture.personA.email && stored.tenantID == fixture.personA.tenantID)
        #expect(try await fixture.complaints.complaints(for: fixture.adminA).map(\.id) == [answer.complaintID])
        #expect(try await fixture.complaints.complaints(for: fixture.adminB).isEmpty)
        #expect(try await fixture.complaints.complaints(for: fixture.sysadmin).map(\.id) == [answer.complaintID])
        await #expect(throws: StewardError.self) { try await fixture.complaints.complaints(for: fixture.personA) }
    }

    @Test func emptyOrUnaddressedComplaintsAreRefusedAndTheFormCannotFloodAMailbox() async throws {
        let before = try await fixture.snapshot()
        let empty = await #expect(throws: StewardError.self) { try await fixture.complaints.file(name: nil, email: "a@example.test", text: " ") }
        #expect(empty?.kind == .badRequest)
        let noAddress = await #expect(throws: StewardError.self) { try await fixture.complaints.file(name: nil, email: "nope", text: "x") }
        #expect(noAddress?.kind == .badRequest)
        #expect(try await fixture.snapshot() == before)

        for _ in 0..<5 { _ = try await fixture.complaints.file(name: nil, email: "target@example.test", text: "spam") }
        #expect(try await fixture.store.complaintCount(email: "target@example.test", since: 0) == 5)
        #expect(try await fixture.outbox().filter { $0.recipient == "target@example.test" }.count == fixture.complaints.mailsPerAddressPerDay)
    }
}
