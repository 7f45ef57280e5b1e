import Foundation
import Testing

@testable import StewardAuth

@Suite struct TOTPTests {
    /// The RFC 6238 appendix B SHA-1 key.
    let rfc = TOTP(secret: Array("12345678901234567890".utf8))

    // promise: MB-6
    @Test(arguments: [
        (Int64(59), "287082"),  // 94287082
        (1_111_111_109, "081804"),  // 07081804
        (1_111_111_111, "050471"),  // 14050471
        (1_234_567_890, "005924"),  // 89005924
        (2_000_000_000, "279037"),  // 69279037
        (20_000_000_000, "353130"),  // 65353130
    ])
    func rfc6238Vectors(_ seconds: Int64, _ code: String) {
        #expect(rfc.code(step: TOTP.step(at: seconds * 1000)) == code)
        #expect(rfc.matchingStep(code, at: seconds * 1000) == seconds / 30)
    }

    @Test func stepsAreThirtySeconds() {
        #expect(TOTP.step(at: 0) == 0)
        #expect(TOTP.step(at: 29_999) == 0)
        #expect(TOTP.step(at: 30_000) == 1)
        #expect(TOTP.step(at: 59_000) == 1)
        #expect(TOTP.step(at: 60_000) == 2)
    }

    @Test func codesAreSixDigitsWithLeadingZeros() {
        for step in Int64(0)..<200 {
            let code = rfc.code(step: step)
            #expect(code.count == 6 && code.allSatisfy(\.isNumber), "\(code)")
        }
        #expect(rfc.code(step: 1_234_567_890 / 30) == "005924")
    }

    @Test func base32OfTheRFCKey() {
        #expect(rfc.base32 == "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")
        #expect(TOTP(base32: "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")?.secret == rfc.secret)
        // Lower case, spaces and padding as apps and people write them.
        #expect(TOTP(base32: "gezd gnbv gy3t qojq gezd gnbv gy3t qojq")?.secret == rfc.secret)
        #expect(TOTP(base32: "MZXW6===")?.secret == Array("foo".utf8))
    }

    @Test func base32RoundTrip() {
        for length in [1, 2, 3, 4, 5, 10, 16, 20, 32] {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            let encoded = TOTP(secret: bytes).base32
            #expect(encoded.allSatisfy { "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".contains($0) })
            #expect(encoded.count == (length * 8 + 4) / 5)
            #expect(TOTP(base32: encoded)?.secret == bytes, "length \(length)")
        }
        let random = TOTP.generateSecret()
        #expect(random.secret.count == 20)
        #expect(TOTP(base32: random.base32)?.secret == random.secret)
        #expect(TOTP.generateSecret().secret != random.secret)
    }

    @Test func base32RefusesOtherCharacters() {
        #expect(TOTP(base32: "GEZDGNBV1") == nil)
        #expect(TOTP(base32: "GEZDGNBV!") == nil)
        #expect(TOTP(base32: "") == nil)
    }

    // promise: MB-6
    @Test func oneStepOfDriftIsAcceptedTwoAreNot() {
        let now: Int64 = 1_780_272_000_000
        let step = TOTP.step(at: now)
        #expect(rfc.matchingStep(rfc.code(step: step), at: now) == step)
        #expect(rfc.matchingStep(rfc.code(step: step - 1), at: now) == step - 1)
        #expect(rfc.matchingStep(rfc.code(step: step + 1), at: now) == step + 1)
        #expect(rfc.matchingStep(rfc.code(step: step - 2), at: now) == nil)
        #expect(rfc.matchingStep(rfc.code(step: step + 2), at: now) == nil)
        #expect(rfc.matchingStep("", at: now) == nil)
        #expect(rfc.matchingStep("12345", at: now) == nil)
        #expect(rfc.matchingStep(rfc.code(step: step) + "0", at: now) == nil)
    }

    @Test func anotherSecretGivesOtherCodes() {
        let other = TOTP(secret: Array("12345678901234567891".utf8))
        let now: Int64 = 1_780_272_000_000
        #expect(other.matchingStep(rfc.code(step: TOTP.step(at: now)), at: now) == nil)
    }

    @Test func provisioningURI() {
        let uri = rfc.provisioningURI(account: "alice@example.com", issuer: "Steward")
        #expect(
            uri
                == "otpauth://totp/Steward%3Aalice%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Steward&algorithm=SHA1&digits=6&period=30"
        )
        let spaced = rfc.provisioningURI(account: "bob+tag@example.com", issuer: "My Steward & Co")
        #expect(spaced.hasPrefix("otpauth://totp/My%20Steward%20%26%20Co%3Abob%2Btag%40example.com?secret="))
        #expect(spaced.contains("&issuer=My%20Steward%20%26%20Co&"))
        let accented = rfc.provisioningURI(account: "zoë@example.com", issuer: "S")
        #expect(accented.hasPrefix("otpauth://totp/S%3Azo%C3%AB%40example.com?"))
    }
}
