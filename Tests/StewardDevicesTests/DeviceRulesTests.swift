import StewardCore
import Testing

@testable import StewardDevices

/// The one rule set for device names and tokens, and its agreement with device authentication.
@Suite struct DeviceRulesTests {
    @Test func namesAreTrimmedAndMustNotBeBlank() throws {
        #expect(try DeviceRules.name("  sensor-1 \t") == "sensor-1")
        #expect(throws: StewardError.badRequest("Device name should be specified!")) { try DeviceRules.name("   ") }
        #expect(throws: StewardError.badRequest("Device name should be specified!")) { try DeviceRules.name("") }
    }

    @Test func namesHaveAMaximumLength() throws {
        let longest = String(repeating: "é", count: DeviceRules.maximumNameLength)
        #expect(try DeviceRules.name(longest) == longest)
        #expect(throws: StewardError.badRequest("Device name is longer than 255 characters")) {
            try DeviceRules.name(longest + "x")
        }
    }

    @Test func namesRefuseControlCharacters() {
        #expect(throws: StewardError.self) { try DeviceRules.name("line\nbreak") }
        #expect(throws: StewardError.self) { try DeviceRules.name("nul\u{0}") }
    }

    @Test func aTokenOfThreeHundredCharactersIsRefusedWithTheRule() {
        let error = #expect(throws: StewardError.self) { try DeviceRules.checkToken(String(repeating: "a", count: 300)) }
        #expect(error?.kind == .badRequest)
        #expect(error?.message == "An access token must be 1 to 256 bytes long (got 300)")
    }

    @Test func tokensAreMeasuredInBytes() throws {
        try DeviceRules.checkToken(String(repeating: "a", count: 256))
        // 129 two-byte characters are 258 bytes: longer than an MQTT username Steward would look up.
        #expect(throws: StewardError.self) { try DeviceRules.checkToken(String(repeating: "é", count: 129)) }
    }

    @Test func tokensRefuseEmptinessWhitespaceAndControlCharacters() {
        for bad in ["", "with space", "tab\there", "new\nline", "nbsp\u{A0}x", "bell\u{7}"] {
            #expect(throws: StewardError.self, "\(bad.debugDescription)") { try DeviceRules.checkToken(bad) }
        }
    }

    @Test func everyTokenTheRulesAcceptCanAuthenticate() throws {
        for token in ["a", "A1_b-2.c~", String(repeating: "z", count: 256), "ünïcödé"] {
            try DeviceRules.checkToken(token)
            #expect(DeviceRules.mayAuthenticate(token), "\(token)")
        }
        #expect(!DeviceRules.mayAuthenticate(String(repeating: "a", count: 257)))
        #expect(!DeviceRules.mayAuthenticate(""))
    }
}
