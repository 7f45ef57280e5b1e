import Foundation
import StewardCore
import StewardSQLite
import StewardStore
import Testing

@testable import StewardPrivacy

/// Public requests with email verification, signed-in and self-service requests, automatic answers, and the
/// statutory clock, against a real SQLite store and a movable clock.
@Suite struct RequestServiceTests {
    let fixture: RequestFixture

    init() async throws {
        fixture = try await RequestFixture()
    }

    /// Files a public request and follows its link; returns the opened request.
    func fileAndVerify(_ form: PublicRequestForm) async throws -> RequestRecord {
        try await fixture.requests.file(form)
        return try await fixture.requests.verify(token: try await fixture.token(for: form.email))
    }

    // promise: MB-21
    @Test func aPublicRequestWaitsForTheEmailLinkThenItsClockStarts() async throws {
        let service = fixture.requests
        try await service.file(fixture.form(email: "Visitor@Example.test", country: "DE"))
        let pending = try #require(try await fixture.store.requests(email: "visitor@example.test").first)
        #expect(pending.status == .awaitingVerification && pending.dueTime == nil && pending.source == .publicForm)
        #expect(pending.verificationHash?.count == 64)
        let verifyMail = try #require(try await fixture.outbox().last)
        #expect(verifyMail.recipient == "visitor@example.test" && verifyMail.subject.contains("Confirm"))
        #expect(verifyMail.body.contains("\(RequestFixture.publicURL)/privacy/request/verify?token="))
        let token = try await fixture.token(for: "visitor@example.test")
        #expect(!(pending.verificationHash ?? "").contains(token), "only the hash is stored")
        // Nothing is owed before the address is proven: the queue is empty.
        #expect(try await service.queue(for: fixture.sysadmin).isEmpty)

        fixture.clock.advance(days: 0.5)
        let opened = try await service.verify(token: token)
        #expect(opened.status == .open && opened.verifiedTime == fixture.clock.current)
        #expect(opened.jurisdiction == "GDPR")
        #expect(opened.dueTime == RequestDeadlines.adding(1, .months, to: fixture.clock.current))
        let receipt = try #require(try await fixture.outbox().last)
        #expect(receipt.subject.contains("We received your privacy request"))
        #expect(receipt.body.contains(UTCTime.format(opened.dueTime ?? 0)) && receipt.body.contains(opened.id))
        let queue = try await service.queue(for: fixture.sysadmin)
        #expect(queue.map(\.request.id) == [opened.id])
        #expect(queue.first?.due == opened.dueTime && queue.first?.canExtend == true)
    }

    // promise: MB-21
    @Test func forgedReusedAndExpiredLinksAreRefusedAndChangeNothing() async throws {
        let service = fixture.requests
        try await service.file(fixture.form(email: "first@example.test"))
        try await service.file(fixture.form(email: "second@example.test"))
        let first = try await fixture.token(for: "first@example.test")
        let second = try await fixture.token(for: "second@example.test")

        var before = try await fixture.snapshot()
        for forged in ["", "not-a-token", String(first.dropLast()) + (first.hasSuffix("A") ? "B" : "A")] {
            let error = await #expect(throws: StewardError.self) { try await service.verify(token: forged) }
            #expect(error?.kind == .notFound && error?.message.contains("not valid") == true)
        }
        #expect(try await fixture.snapshot() == before)

        try await service.verify(token: first)
        before = try await fixture.snapshot()
        let reused = await #expect(throws: StewardError.self) { try await service.verify(token: first) }
        #expect(reused?.kind == .conflict && reused?.message.contains("already used") == true)
        #expect(try await fixture.snapshot() == before)

        fixture.clock.advance(days: 1.01)
        let expired = await #expect(throws: StewardError.self) { try await service.verify(token: second) }
        #expect(expired?.kind == .conflict && expired?.message.contains("expired") == true)
        #expect(try await fixture.snapshot() == before)
        #expect(try await fixture.store.requests(email: "second@example.test").first?.status == .awaitingVerification)
    }

    // promise: MB-21
    @Test func theStoreLetsALinkWinOnlyOnceEvenWhenChecksRace() async throws {
        try await fixture.requests.file(fixture.form())
        let request = try #require(try await fixture.store.requests(email: "visitor@example.test").first)
        let hash = try #require(request.verificationHash)
        let open: IdentityChange = .rights(.verifyRequest(id: request.id, hash: hash, at: fixture.clock.current, acknowledgeBy: nil, due: 1))
        try await fixture.store.apply([open])
        await #expect(throws: StewardError.self) { try await fixture.store.apply([open]) }
        let wrongHash: IdentityChange = .rights(.verifyRequest(id: request.id, hash: String(repeating: "0", count: 64), at: 1, acknowledgeBy: nil, due: 1))
        await #expect(throws: StewardError.self) { try await fixture.store.apply([wrongHash]) }
    }

    @Test func badInputIsRefusedWithAClearMessageAndNothingRecorded() async throws {
        let service = fixture.requests
        let before = try await fixture.snapshot()
        let cases: [(PublicRequestForm, String)] = [
            (fixture.form(email: "not-an-email"), "not a valid email address"),
            (fixture.form(kind: .access).with(kind: "sell-my-data"), "Choose what you are asking for"),
            (fixture.form(country: "Germany"), "Choose the country you live in"),
            (fixture.form(kind: .rectification, details: "  "), "what is wrong and what it should be"),
            (fixture.form(details: String(repeating: "x", count: RequestService.maximumDetailsLength + 1)), "longer than"),
        ]
        for (form, message) in cases {
            let error = await #expect(throws: StewardError.self) { try await service.file(form) }
            #expect(error?.kind == .badRequest && error?.message.contains(message) == true, "\(error?.message ?? "")")
        }
        #expect(try await fixture.snapshot() == before)
    }

    @Test func theAccountsCountryDecidesTheRulesAndTheFormCannotFloodAMailbox() async throws {
        // pat@acme.test signed up in France; the form says United States.
        let opened = try await fileAndVerify(fixture.form(email: fixture.personA.email, country: "US"))
        #expect(opened.jurisdiction == "FR")
        #expect(opened.userID == fixture.personA.id && opened.tenantID == fixture.personA.tenantID)
        // Without an account the form's country counts.
        let visitor = try await fileAndVerify(fixture.form(email: "someone@example.test", country: "US"))
        #expect(visitor.jurisdiction == "CCPA" && visitor.tenantID == nil)
        #expect(visitor.acknowledgeBy == RequestDeadlines.adding(10, .workingDays, to: visitor.verifiedTime ?? 0))

        for _ in 0..<5 { try await fixture.requests.file(fixture.form(email: "target@example.test")) }
        let mails = try await fixture.outbox().filter { $0.recipient == "target@example.test" }
        #expect(mails.count == fixture.requests.maximumPendingPerAddress)
    }

    // promise: TM-15
    @Test func askingWhetherDataIsHeldIsAnsweredAutomaticallyAfterVerification() async throws {
        let stranger = try await fileAndVerify(fixture.form(email: "stranger@example.test", kind: .confirmation))
        #expect(stranger.status == .done && stranger.outcome?.hasPrefix("No.") == true)
        let no = try #require(try await fixture.outbox().last)
        #expect(no.recipient == "stranger@example.test" && no.subject.contains("Do we hold data"))
        #expect(no.body.contains("No. We hold no personal data about you"))
        #expect(stranger.outcome?.contains("stranger@example.test") == false, "the stored outcome names no address")

        try await fixture.store.apply([.updateProfile(fixture.personA.id, firstName: "Pat", company: nil, phone: "+33 1 23 45 67 89")])
        let known = try await fileAndVerify(fixture.form(email: fixture.personA.email, kind: .confirmation))
        #expect(known.status == .done)
        let yes = try #require(try await fixture.outbox().last)
        #expect(yes.body.contains("Yes. We hold data about you"))
        for name in ["Name", "Email address", "Phone number", "Country of residence"] { #expect(yes.body.contains(name), "\(name)") }
        #expect(!yes.body.contains("Company"), "only categories actually held are named")
        // Answered requests are not on the queue.
        #expect(try await fixture.requests.queue(for: fixture.sysadmin).isEmpty)
        // Signed in, the answer comes at once.
        let signedIn = try await fixture.requests.file(by: fixture.personB, kind: "confirmation", details: "", ip: "")
        #expect(signedIn.status == .done && signedIn.outcome?.hasPrefix("Yes.") == true)
    }

    // promise: MB-19
    @Test func anExtensionIsToldWithItsReasonBeforeTheFirstDueDateAndOnlyOnce() async throws {
        let service = fixture.requests
        let request = try await fileAndVerify(fixture.form(email: "ext@example.test", country: "DE", kind: .erasure))
        let firstDue = try #require(request.dueTime)

        let noReason = await #expect(throws: StewardError.self) {
            try await service.extend(id: request.id, reason: "  ", by: fixture.sysadmin)
        }
        #expect(noReason?.kind == .badRequest)

        fixture.clock.advance(days: 20)
        let extended = try await service.extend(id: request.id, reason: "Backups on tape must be checked", by: fixture.sysadmin)
        let expectedUntil = RequestDeadlines.adding(3, .months, to: request.verifiedTime ?? 0)
        #expect(extended.status == .extended && extended.extendedDueTime == expectedUntil)
        #expect((extended.extensionNotifiedTime ?? .max) < firstDue)
        let mail = try #require(try await fixture.outbox().last)
        #expect(mail.recipient == "ext@example.test" && mail.subject.contains("more time"))
        #expect(mail.body.contains("Backups on tape must be checked") && mail.body.contains(UTCTime.format(expectedUntil)))
        #expect(mail.body.contains(UTCTime.format(firstDue)))
        let stored = try #require(try await fixture.store.request(id: request.id))
        #expect(stored.extensionReason == "Backups on tape must be checked" && stored.effectiveDueTime == expectedUntil)

        let before = try await fixture.snapshot()
        let twice = await #expect(throws: StewardError.self) { try await service.extend(id: request.id, reason: "again", by: fixture.sysadmin) }
        #expect(twice?.kind == .conflict && twice?.message.contains("extended once") == true)
        #expect(try await fixture.snapshot() == before)
    }

    // promise: MB-19
    @Test func noExtensionAfterTheFirstDueDateOrWhereTheRulesAllowNone() async throws {
        let service = fixture.requests
        let late = try await fileAndVerify(fixture.form(email: "late@example.test", country: "US", kind: .access))
        let china = try await fileAndVerify(fixture.form(email: "cn@example.test", country: "CN", kind: .erasure))
        #expect(china.jurisdiction == "CN")
        let none = await #expect(throws: StewardError.self) { try await service.extend(id: china.id, reason: "busy", by: fixture.sysadmin) }
        #expect(none?.kind == .conflict && none?.message.contains("allow no extension") == true)

        fixture.clock.advance(days: 46)
        let before = try await fixture.snapshot()
        let tooLate = await #expect(throws: StewardError.self) { try await service.extend(id: late.id, reason: "busy", by: fixture.sysadmin) }
        #expect(tooLate?.kind == .conflict && tooLate?.message.contains("Too late to extend") == true)
        #expect(try await fixture.snapshot() == before)

        // Staff see it as late; the 15-working-day request is late too by now.
        let queue = try await service.queue(for: fixture.sysadmin)
        #expect(queue.map(\.request.id) == [china.id, late.id], "sorted by due date")
        #expect(queue.allSatisfy { $0.isLate && $0.daysLeft < 0 && !$0.canExtend })
    }

    // promise: MB-19
    @Test func theQueueFlagsWhatIsDueSoonAndClosingIsFinal() async throws {
        let service = fixture.requests
        let soon = try await fileAndVerify(fixture.form(email: "cn2@example.test", country: "CN"))
        let later = try await fileAndVerify(fixture.form(email: "us@example.test", country: "US"))
        fixture.clock.advance(days: 16)
        let queue = try await service.queue(for: fixture.sysadmin)
        #expect(queue.map(\.request.id) == [soon.id, later.id])
        let first = try #require(queue.first)
        #expect(first.isDueSoon && !first.isLate && first.daysLeft > 0 && first.daysLeft <= RequestService.dueSoonDays)
        #expect(queue.last?.isDueSoon == false && queue.last?.isLate == false)

        let closed = try await service.close(id: soon.id, refused: true, outcome: "We hold nothing we may disclose", by: fixture.sysadmin)
        #expect(closed.status == .refused)
        let mail = try #require(try await fixture.outbox().last)
        #expect(mail.subject == "Your privacy request was refused" && mail.body.contains(fixture.declaration.supervisoryAuthority.name))
        let before = try await fixture.snapshot()
        let again = await #expect(throws: StewardError.self) {
            try await service.close(id: soon.id, refused: false, outcome: "done after all", by: fixture.sysadmin)
        }
        #expect(again?.kind == .conflict && again?.message.contains("already closed") == true)
        #expect(try await fixture.snapshot() == before)
        #expect(try await service.queue(for: fixture.sysadmin).map(\.request.id) == [later.id])
        #expect(try await service.closed(for: fixture.sysadmin).map(\.id) == [soon.id])
    }

    // promise: TB-4
    @Test func aTenantAdministratorHandlesOnlyTheirOwnTenantsPeople() async throws {
        let service = fixture.requests
        let a = try await fileAndVerify(fixture.form(email: fixture.personA.email))
        let b = try await fileAndVerify(fixture.form(email: fixture.personB.email))
        let ownA = try await service.file(by: fixture.adminA, kind: "erasure", details: "", ip: "")
        let anonymous = try await fileAndVerify(fixture.form(email: "nobody@example.test"))

        #expect(try await service.queue(for: fixture.adminA).map(\.request.id) == [a.id])
        #expect(try await service.queue(for: fixture.adminB).map(\.request.id) == [b.id])
        #expect(Set(try await service.queue(for: fixture.sysadmin).map(\.request.id)) == [a.id, b.id, ownA.id, anonymous.id])

        let before = try await fixture.snapshot()
        for id in [b.id, ownA.id, anonymous.id, "no-such-id"] {
            let read = await #expect(throws: StewardError.self) { try await service.request(id: id, for: fixture.adminA) }
            #expect(read?.kind == .notFound)
            let close = await #expect(throws: StewardError.self) { try await service.close(id: id, refused: false, outcome: "x", by: fixture.adminA) }
            #expect(close?.kind == .notFound)
            let extend = await #expect(throws: StewardError.self) { try await service.extend(id: id, reason: "x", by: fixture.adminA) }
            #expect(extend?.kind == .notFound)
        }
        let customer = await #expect(throws: StewardError.self) { try await service.queue(for: fixture.personA) }
        #expect(customer?.kind == .forbidden)
        #expect(try await fixture.snapshot() == before)

        try await service.close(id: a.id, refused: false, outcome: "Sent the copy", by: fixture.adminA)
        #expect(try await fixture.store.request(id: a.id)?.closedBy == fixture.adminA.id)
    }

    @Test func selfServiceRequestsAreRecordedDoneWithTheirDueDate() async throws {
        let service = fixture.requests
        let export = try await service.recordSelfService(user: fixture.personB, kind: .export, outcome: "Downloaded the ZIP")
        #expect(export.status == .done && export.source == .selfService && export.jurisdiction == "CCPA")
        #expect(export.dueTime == RequestDeadlines.adding(45, .days, to: fixture.clock.current))
        #expect(export.closedTime == fixture.clock.current && export.outcome == "Downloaded the ZIP")
        let erased = try await service.recordSelfService(user: fixture.personA, kind: .erasure, outcome: "Erased", country: "FR")
        #expect(erased.jurisdiction == "FR")
        #expect(try await service.requests(of: fixture.personB).map(\.id) == [export.id])
        #expect(try await fixture.store.request(id: erased.id) == erased)
        #expect(try await service.queue(for: fixture.sysadmin).isEmpty)
    }

    @Test func anErasureCanLeaveTheRequestRecordsUnderAPseudonym() async throws {
        let request = try await fileAndVerify(fixture.form(email: fixture.personA.email, kind: .erasure, details: "All of it"))
        _ = try await fixture.complaints.file(name: nil, email: nil, text: "Too slow", user: fixture.personA)
        try await fixture.store.apply([
            .rights(.pseudonymizeRequests(user: fixture.personA.id, email: fixture.personA.email, pseudonym: "erased-1"))
        ])
        let kept = try #require(try await fixture.store.request(id: request.id))
        #expect(kept.email == "erased-1" && kept.name == nil && kept.details.isEmpty && kept.kind == .erasure)
        #expect(kept.dueTime == request.dueTime && kept.status == request.status)
        #expect(try await fixture.store.requests(email: fixture.personA.email).isEmpty)
        #expect(try await fixture.store.complaints(tenant: nil).allSatisfy { $0.email == "erased-1" && $0.name == nil })
    }

    @Test func aPersonsRequestsIncludeThoseMadeWithTheirAddressBeforeSigningIn() async throws {
        let visitor = try await fileAndVerify(fixture.form(email: fixture.personA.email))
        fixture.clock.advance(days: 1)
        let signedIn = try await fixture.requests.file(by: fixture.personA, kind: "objection", details: "No analytics please", ip: "")
        #expect(try await fixture.requests.requests(of: fixture.personA).map(\.id) == [visitor.id, signedIn.id])
        #expect(signedIn.source == .selfService && signedIn.status == .open && signedIn.receivedTime == fixture.clock.current)
    }
}

extension PublicRequestForm {
    func with(kind: String) -> PublicRequestForm {
        var copy = self
        copy.kind = kind
        return copy
    }
}
