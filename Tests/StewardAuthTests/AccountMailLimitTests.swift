import Foundation
import GRDB
import StewardCore
import StewardSQLite
import StewardStore
import Testing

@testable import StewardAuth

/// Mail anyone can make Steward send to an address (reset links, "someone tried to sign up with your address", a
/// parent's consent request) is limited per address and per client, from what the database records, with the same
/// answer whether or not the mail goes out.
@Suite struct AccountMailLimitTests {
    let fixture: IdentityFixture

    init() throws { fixture = try IdentityFixture() }

    func resetMails(_ email: String = "alice@example.com") async throws -> Int {
        try await fixture.mails(to: email).filter { $0.subject.hasPrefix("Reset your") }.count
    }

    @Test func theFourthResetRequestForAnAddressWithinAnHourQueuesNoMail() async throws {
        try await fixture.makeAccount(email: "alice@example.com")
        for minute in 0..<4 {
            try await fixture.reset.requestReset(email: "alice@example.com", from: fixture.client("203.0.113.1"))
            fixture.clock.advance(minutes: Int64(minute + 1))
        }
        #expect(try await resetMails() == 3)
        #expect(try await fixture.audit("password.reset-requested").count == 3)

        // Another client does not get around the address's limit.
        try await fixture.reset.requestReset(email: "alice@example.com", from: fixture.client("198.51.100.99"))
        #expect(try await resetMails() == 3)

        // The newest mailed link is still the one that works: a refused request voids nothing.
        let token = try #require(try await fixture.linkToken("/reset-password", to: "alice@example.com"))
        #expect(try await fixture.reset.check(token: token).email == "alice@example.com")

        // An hour after the first request, one more is allowed.
        fixture.clock.set(IdentityFixture.start + 3_600_000 + 1)
        try await fixture.reset.requestReset(email: "alice@example.com", from: fixture.client("198.51.100.99"))
        #expect(try await resetMails() == 4)
    }

    @Test func oneClientGetsTwentyAccountMailsAnHour() async throws {
        for index in 0..<22 { try await fixture.makeAccount(email: "person\(index)@example.com") }
        let attacker = fixture.client("203.0.113.50")
        for index in 0..<21 {
            try await fixture.reset.requestReset(email: "person\(index)@example.com", from: attacker)
        }
        #expect(try await fixture.mails().count == 20)
        #expect(try await resetMails("person20@example.com") == 0)

        // Another client still reaches the twenty-first address.
        try await fixture.reset.requestReset(email: "person20@example.com", from: fixture.client("198.51.100.1"))
        #expect(try await resetMails("person20@example.com") == 1)
    }

    @Test func addressesWithoutAnAccountCountAgainstTheClientToo() async throws {
        // Otherwise a client near its limit could tell registered addresses from the rest.
        try await fixture.makeAccount(email: "alice@example.com")
        let client = fixture.client("203.0.113.60")
        for index in 0..<20 { try await fixture.reset.requestReset(email: "nobody\(index)@example.com", from: client) }
        try await fixture.reset.requestReset(email: "alice@example.com", from: client)
        #expect(try await resetMails() == 0)
    }

    @Test func anIPv6ClientIsCountedByItsSlash64() async throws {
        try await fixture.makeAccount(email: "alice@example.com")
        for host in 1...3 {
            try await fixture.reset.requestReset(email: "nobody\(host)@example.com", from: fixture.client("2001:db8:1:2::\(host)"))
        }
        #expect(try await fixture.count("mail_request", where: "client = '2001:db8:1:2::/64'") == 3)
        #expect(ClientInfo(ip: "::ffff:192.0.2.4", client: "").rateLimitKey == "192.0.2.4")
    }

    @Test func signUpWithARegisteredAddressMailsItsOwnerAtMostThreeTimesAnHour() async throws {
        try await fixture.makeAccount(email: "alice@example.com")
        for index in 0..<5 {
            try await fixture.signUp.signUp(fixture.request(email: "alice@example.com", ip: "203.0.113.\(index)"))
        }
        let notices = try await fixture.mails(to: "alice@example.com").filter { $0.subject.hasPrefix("Someone tried to sign up") }
        #expect(notices.count == 3)
    }

    @Test func resetAndSignUpNoticesShareTheAddressAllowance() async throws {
        try await fixture.makeAccount(email: "alice@example.com")
        try await fixture.signUp.signUp(fixture.request(email: "alice@example.com"))
        try await fixture.reset.requestReset(email: "alice@example.com", from: fixture.client())
        try await fixture.reset.requestReset(email: "alice@example.com", from: fixture.client())
        try await fixture.reset.requestReset(email: "alice@example.com", from: fixture.client())
        #expect(try await fixture.mails(to: "alice@example.com").count == 3)
    }

    @Test func aParentsAddressGetsAtMostThreeConsentRequestsAnHour() async throws {
        for index in 0..<4 {
            try await fixture.signUp.signUp(
                fixture.request(email: "kid\(index)@example.com", birthYear: 2016, parentEmail: "parent@example.com"))
        }
        #expect(try await fixture.mails(to: "parent@example.com").count == 3)
        // Every child still got their own confirmation mail; only the fourth parent mail was dropped.
        #expect(try await fixture.mails().filter { $0.subject.contains("Confirm your email") }.count == 4)
    }

    @Test func theCountingTableHoldsOnlyOneWindow() async throws {
        for index in 0..<5 { try await fixture.reset.requestReset(email: "n\(index)@example.com", from: fixture.client()) }
        fixture.clock.advance(milliseconds: 3_600_000 + 1)
        try await fixture.reset.requestReset(email: "late@example.com", from: fixture.client())
        #expect(try await fixture.count("mail_request") == 1)
    }
}
