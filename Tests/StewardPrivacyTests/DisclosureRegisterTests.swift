import Foundation
import GRDB
import StewardCore
@testable import StewardSQLite
import StewardStore
import Testing

@testable import StewardPrivacy

/// The register of disclosures to authorities: only declared authorities, and a legal restriction hides an entry
/// from the person (and from anything they could read) until its date.
@Suite struct DisclosureRegisterTests {
    let fixture: RequestFixture
    let authority = "Courts and authorities"

    init() async throws {
        fixture = try await RequestFixture()
    }

    func entry(
        _ email: String, to recipient: String = "Courts and authorities", categories: [String] = ["user.contact.email", "user.device.ip_address"],
        restrictedUntil: Int64? = nil, reason: String? = nil
    ) -> NewDisclosure {
        NewDisclosure(
            subjectEmail: email, recipient: recipient, categories: categories, what: "Email address and sign-in IP addresses of March",
            legalGround: "Order 4 O 123/26 of the Regional Court", disclosedTime: fixture.clock.current - 86_400_000,
            restrictedUntil: restrictedUntil, restrictionReason: reason)
    }

    // promise: TB-8
    @Test func aDisclosureIsRecordedWithWhatWhomGroundAndWhenAndShownToThePerson() async throws {
        let record = try await fixture.register.record(entry(fixture.personA.email), by: fixture.sysadmin, ip: "203.0.113.4")
        #expect(record.recipient == authority && record.userID == fixture.personA.id && record.tenantID == fixture.personA.tenantID)
        #expect(record.categories == ["user.contact.email", "user.device.ip_address"])
        #expect(record.legalGround.contains("4 O 123/26") && record.what.contains("IP addresses"))
        #expect(record.disclosedTime == fixture.clock.current - 86_400_000 && record.recordedBy == fixture.sysadmin.id)
        #expect(try await fixture.register.visible(to: fixture.personA.id) == [record])
        #expect(try await fixture.register.entries(for: fixture.adminA) == [record])
        #expect(try await fixture.register.entries(for: fixture.adminB).isEmpty)
        let audit = try await fixture.store.auditEntries(tenant: nil, subject: fixture.personA.id, event: "disclosure.recorded", limit: 5)
        #expect(audit.count == 1)
    }

    // promise: TB-8
    @Test func onlyADeclaredAuthorityMayReceiveAndOnlyWhatItIsDeclaredFor() async throws {
        let register = fixture.register
        let before = try await fixture.snapshot()
        let undeclared = await #expect(throws: StewardError.self) {
            try await register.record(entry(fixture.personA.email, to: "Some Private Detective"), by: fixture.sysadmin)
        }
        #expect(undeclared?.kind == .forbidden && undeclared?.message.contains("not a declared authority") == true)
        let processor = fixture.declaration.recipients.first { $0.kind == .processor }?.name ?? ""
        let wrongKind = await #expect(throws: StewardError.self) {
            try await register.record(entry(fixture.personA.email, to: processor), by: fixture.sysadmin)
        }
        #expect(wrongKind?.kind == .forbidden)
        let wrongCategory = await #expect(throws: StewardError.self) {
            try await register.record(entry(fixture.personA.email, categories: ["user.health_and_medical"]), by: fixture.sysadmin)
        }
        #expect(wrongCategory?.kind == .forbidden && wrongCategory?.message.contains("user.health_and_medical") == true)
        let unknownPerson = await #expect(throws: StewardError.self) {
            try await register.record(entry("ghost@example.test"), by: fixture.sysadmin)
        }
        #expect(unknownPerson?.kind == .notFound)
        let notStaff = await #expect(throws: StewardError.self) {
            try await register.record(entry(fixture.personA.email), by: fixture.adminA)
        }
        #expect(notStaff?.kind == .forbidden)
        let reasonWithoutDate = await #expect(throws: StewardError.self) {
            try await register.record(entry(fixture.personA.email, reason: "Gag order"), by: fixture.sysadmin)
        }
        #expect(reasonWithoutDate?.kind == .badRequest)
        #expect(try await fixture.snapshot() == before)
        #expect(try await fixture.store.disclosures(tenant: nil).isEmpty)
    }

    // promise: TB-8
    @Test func aLegalRestrictionHidesTheDisclosureFromThePersonUntilItsDate() async throws {
        let until = fixture.clock.current + 30 * 86_400_000
        let record = try await fixture.register.record(
            entry(fixture.adminB.email, restrictedUntil: until, reason: "Non-disclosure order of the investigating judge"),
            by: fixture.sysadmin)
        #expect(record.restrictedUntil == until && record.restrictionReason?.contains("investigating judge") == true)

        // Hidden from the person, from the tenant they administer, from their audit entries and from the TM-15 answer.
        #expect(try await fixture.register.visible(to: fixture.adminB.id).isEmpty)
        #expect(try await fixture.register.entries(for: fixture.adminB).isEmpty)
        #expect(try await fixture.store.auditEntries(tenant: nil, subject: fixture.adminB.id, event: nil, limit: 50).isEmpty)
        #expect(try await fixture.store.auditEntries(tenant: fixture.adminB.tenantID, subject: nil, event: nil, limit: 50).isEmpty)
        let inventory = DataInventory(store: fixture.store, declaration: fixture.declaration)
        #expect(!(try await inventory.categories(email: fixture.adminB.email, at: fixture.clock.current)).contains { $0.key == "user.disclosure_record" })
        // The operator's staff see it, with the restriction.
        #expect(try await fixture.register.entries(for: fixture.sysadmin) == [record])

        fixture.clock.set(until)
        #expect(try await fixture.register.visible(to: fixture.adminB.id) == [record])
        #expect(try await inventory.categories(email: fixture.adminB.email, at: fixture.clock.current).contains { $0.key == "user.disclosure_record" })
    }

    @Test func theRegisterIsNeverEdited() async throws {
        let record = try await fixture.register.record(entry(fixture.personA.email), by: fixture.sysadmin)
        await #expect(throws: (any Error).self) {
            try await fixture.store.pool.write { db in
                try db.execute(sql: "UPDATE disclosure SET recipient = 'someone else' WHERE id = ?", arguments: [record.id])
            }
        }
        #expect(try await fixture.store.disclosures(of: fixture.personA.id) == [record])
    }
}
