import Foundation
import StewardCore
import Testing

@testable import StewardAuth

@Suite struct PasswordPolicyTests {
    let policy = PasswordPolicy()

    func message(_ password: String, email: String? = nil) -> String? {
        do {
            try policy.check(password, email: email)
            return nil
        } catch {
            #expect(error.kind == .badRequest)
            return error.message
        }
    }

    @Test(arguments: ["violet-anchor-42", "correct horse battery", "Tr0ub4dor&3xyz", "éàüöçñøåßœ-42"])
    func goodPasswordsPass(_ password: String) {
        #expect(message(password, email: "alice@example.com") == nil)
    }

    @Test func tenCharactersIsTheMinimum() {
        #expect(message("k7#mQ2&vLp") == nil)
        #expect(message("k7#mQ2&vL") == "The password must be at least 10 characters long")
        #expect(message("") == "The password must be at least 10 characters long")
    }

    @Test func seventyTwoBytesIsTheMaximum() {
        let base = "k7#mQ2&vLp"
        #expect(message(base + String(repeating: "x", count: 62)) == nil)  // 72 bytes
        #expect(message(base + String(repeating: "x", count: 63)) == "The password must be at most 72 bytes long")
        #expect(message(String(repeating: "é", count: 37)) != nil)  // 37 characters, 74 bytes
    }

    @Test(arguments: [
        "1234567890", "qwertyuiop", "Password123", "PASSWORD1234", "password2026!", "p@ssw0rd!!!!", "Qwerty123456", "welcome2024!",
        "steward2026", "aaaaaaaaaaaa", "ababababababab", "1111111111",
    ])
    func commonPasswordsAreRefused(_ password: String) {
        #expect(message(password) == "This password is one of the most common ones and is guessed first; choose another")
    }

    @Test func thePasswordMustNotContainTheEmailsLocalPart() {
        let refused = "The password must not contain your email address"
        #expect(message("my-ALICE.SMITH-pass", email: "alice.smith@example.com") == refused)
        #expect(message("xx-bobby-is-here", email: "Bobby@example.com") == refused)
        // Short local parts are too common to forbid.
        #expect(message("my-bob-password-x", email: "bob@example.com") == nil)
        #expect(message("xx-bobby-is-here", email: nil) == nil)
        #expect(message("xx-bobby-is-here", email: "carol@example.com") == nil)
    }
}

@Suite struct FieldRulesTests {
    func rejects(_ body: () throws -> Void) -> Bool {
        do {
            try body()
            return false
        } catch let error as StewardError {
            return error.kind == .badRequest
        } catch {
            return false
        }
    }

    // promise: MS-2
    @Test func names() throws {
        #expect(try FieldRules.name("  Alice  ") == "Alice")
        #expect(try FieldRules.name(String(repeating: "é", count: 100)).count == 100)
        #expect(rejects { _ = try FieldRules.name(String(repeating: "é", count: 101)) })
        #expect(rejects { _ = try FieldRules.name(" \n ") })
        #expect(rejects { _ = try FieldRules.name("Al\u{7}ice") })
    }

    @Test(arguments: [
        "alice", "@example.com", "alice@", "alice@example", "alice@.com", "alice@example.", "a@b@c.com", "al ice@example.com",
        "<alice@example.com>", "", String(repeating: "a", count: 65) + "@example.com",
    ])
    func invalidEmails(_ email: String) {
        #expect(rejects { _ = try FieldRules.email(email) })
    }

    @Test func emailsAreTrimmedAndLowercased() throws {
        #expect(try FieldRules.email("  Alice.Smith+tag@Example.COM ") == "alice.smith+tag@example.com")
        #expect(try FieldRules.email(String(repeating: "a", count: 64) + "@example.com").count == 76)
    }

    @Test func optionalFields() throws {
        #expect(try FieldRules.optional(nil, label: "Company", maximum: 100) == nil)
        #expect(try FieldRules.optional("   ", label: "Company", maximum: 100) == nil)
        #expect(try FieldRules.optional(" Acme ", label: "Company", maximum: 100) == "Acme")
        #expect(rejects { _ = try FieldRules.optional(String(repeating: "c", count: 101), label: "Company", maximum: 100) })
        #expect(try FieldRules.phone("+49 (30) 123-456") == "+49 (30) 123-456")
        #expect(try FieldRules.phone("") == nil)
        #expect(rejects { _ = try FieldRules.phone("call me") })
        #expect(rejects { _ = try FieldRules.phone("+1 23") })
    }
}

@Suite struct AgeGateTests {
    // promise: MB-22
    @Test func agesOfConsent() {
        #expect(AgeGate.jurisdiction("DE")?.ageOfConsent == 16)
        #expect(AgeGate.jurisdiction("be")?.ageOfConsent == 13)
        #expect(AgeGate.jurisdiction("US")?.ageOfConsent == 13)
        #expect(AgeGate.jurisdiction("FR")?.ageOfConsent == 15)
        #expect(AgeGate.jurisdiction("OTHER")?.ageOfConsent == AgeGate.defaultAge)
        #expect(AgeGate.defaultAge == 16)
        #expect(AgeGate.jurisdiction("XX") == nil)
        #expect(Set(AgeGate.jurisdictions.map(\.code)).count == AgeGate.jurisdictions.count)
        #expect(AgeGate.jurisdictions.allSatisfy { (13...16).contains($0.ageOfConsent) })
    }

    // promise: MB-22
    @Test func theYoungestPossibleAgeIsUsed() throws {
        let now = IdentityFixture.start  // in 2026
        let germany = try #require(AgeGate.jurisdiction("DE"))
        let belgium = try #require(AgeGate.jurisdiction("BE"))
        #expect(try SignUpService.needsParent(birthYear: 2009, jurisdiction: germany, now: now) == false)
        #expect(try SignUpService.needsParent(birthYear: 2010, jurisdiction: germany, now: now) == true)
        #expect(try SignUpService.needsParent(birthYear: 2012, jurisdiction: belgium, now: now) == false)
        #expect(try SignUpService.needsParent(birthYear: 2013, jurisdiction: belgium, now: now) == true)
        #expect(try SignUpService.needsParent(birthYear: 2026, jurisdiction: belgium, now: now) == true)
        #expect(throws: StewardError.self) { try SignUpService.needsParent(birthYear: 2027, jurisdiction: belgium, now: now) }
        #expect(throws: StewardError.self) { try SignUpService.needsParent(birthYear: 1906, jurisdiction: belgium, now: now) }
        #expect(throws: StewardError.self) { try SignUpService.needsParent(birthYear: nil, jurisdiction: belgium, now: now) }
    }
}

@Suite struct ClientInfoTests {
    // promise: MS-12
    @Test func networks() {
        #expect(ClientInfo(ip: "203.0.113.5", client: "x").network == "203.0.113.0/24")
        #expect(ClientInfo(ip: "203.0.113.200", client: "x").network == ClientInfo(ip: "203.0.113.5", client: "y").network)
        #expect(ClientInfo(ip: "203.0.114.5", client: "x").network != ClientInfo(ip: "203.0.113.5", client: "x").network)
        #expect(ClientInfo(ip: "2001:db8:1:2::5", client: "x").network == "2001:db8:1::/48")
        #expect(ClientInfo(ip: "2001:db8:1:ffff::1", client: "x").network == ClientInfo(ip: "2001:db8:1:2::5", client: "x").network)
    }

    /// `2001:db8::1` and `2001:db8:0:5::1` are both in 2001:db8:0::/48, but splitting the text at colons sees
    /// "2001:db8:" and "2001:db8:0", so a sign-in from the same /48 is flagged as a new place.
    // promise: MS-12
    @Test func compressedIPv6AddressesOfOneSlash48AreOneNetwork() {
        #expect(ClientInfo(ip: "2001:db8::1", client: "x").network == ClientInfo(ip: "2001:db8:0:5::1", client: "x").network)
    }

    /// On a dual-stack listener IPv4 clients arrive as `::ffff:a.b.c.d`; splitting at colons gives "::ffff" for all
    /// of them, so a sign-in from any other IPv4 network is never flagged.
    // promise: MS-12
    @Test func ipv4MappedAddressesKeepTheirIPv4Network() {
        #expect(
            ClientInfo(ip: "::ffff:203.0.113.5", client: "x").network != ClientInfo(ip: "::ffff:198.51.100.5", client: "x").network)
    }

    @Test func theClientIsShortened() {
        #expect(ClientInfo(ip: "1.2.3.4", client: String(repeating: "u", count: 500)).client.count == 200)
    }
}

@Suite struct SecretsTests {
    @Test func tokensAreRandomURLSafeAnd43Characters() {
        let a = Secrets.token(), b = Secrets.token()
        #expect(a != b)
        #expect(a.count == 43)
        #expect(a.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
    }

    @Test func numericCodes() {
        let code = Secrets.numericCode()
        #expect(code.count == 6 && code.allSatisfy(\.isNumber))
    }

    @Test func sha256() {
        #expect(Secrets.sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func constantTimeEquals() {
        #expect(Secrets.constantTimeEquals("abc", "abc"))
        #expect(!Secrets.constantTimeEquals("abc", "abd"))
        #expect(!Secrets.constantTimeEquals("abc", "abcd"))
        #expect(Secrets.constantTimeEquals("", ""))
    }
}
