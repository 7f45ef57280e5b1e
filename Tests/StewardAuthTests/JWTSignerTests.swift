import Crypto
import Foundation
import StewardCore
import Testing

@testable import StewardAuth

private let secret = Array("a-test-secret-of-reasonable-length-0123456789".utf8)

private func verifyError(_ signer: JWTSigner, _ token: String, now: Int64? = nil) -> JWTSigner.VerifyError? {
    do throws(JWTSigner.VerifyError) {
        if let now { _ = try signer.verify(token, now: now) } else { _ = try signer.verify(token) }
        return nil
    } catch {
        return error
    }
}

private func base64URLDecode(_ text: some StringProtocol) -> Data? {
    var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
    while base64.count % 4 != 0 { base64 += "=" }
    return Data(base64Encoded: base64)
}

private func base64URL(_ text: String) -> String {
    Data(text.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        .replacingOccurrences(of: "=", with: "")
}

@Suite struct JWTSignerTests {
    let signer = JWTSigner(secret: secret)
    let now = WallClock.nowMillis() / 1000

    func claims(exp: Int64, extra: [JSONMember] = []) -> [JSONMember] {
        [JSONMember("sub", .string("alice@example.com")), JSONMember("exp", .number(String(exp)))] + extra
    }

    @Test func signAndVerifyRoundTrip() throws {
        let token = signer.sign(claims: claims(exp: now + 600, extra: [JSONMember("scopes", .array([.string("TENANT_ADMIN")]))]))
        let verified = try signer.verify(token)
        #expect(verified["sub"] == .string("alice@example.com"))
        #expect(verified["exp"]?.int64Value == now + 600)
        #expect(verified["scopes"] == .array([.string("TENANT_ADMIN")]))
    }

    @Test func tokenLayout() throws {
        let token = signer.sign(claims: claims(exp: now + 600))
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        try #require(parts.count == 3)
        #expect(!token.contains("=") && !token.contains("+") && !token.contains("/"))
        let header = try #require(base64URLDecode(parts[0]))
        #expect(String(decoding: header, as: UTF8.self) == #"{"alg":"HS512"}"#)
        let payload = try #require(base64URLDecode(parts[1]))
        #expect(String(decoding: payload, as: UTF8.self) == #"{"sub":"alice@example.com","exp":\#(now + 600)}"#)
        // HMAC-SHA512: 64 bytes.
        #expect(base64URLDecode(parts[2])?.count == 64)
    }

    @Test func tamperedPayloadIsABadSignature() {
        let token = signer.sign(claims: claims(exp: now + 600))
        let parts = token.split(separator: ".")
        let forged = base64URL(#"{"sub":"mallory@example.com","exp":\#(now + 600)}"#)
        #expect(verifyError(signer, "\(parts[0]).\(forged).\(parts[2])") == .badSignature)
    }

    @Test func tamperedHeaderIsABadSignature() {
        let token = signer.sign(claims: claims(exp: now + 600))
        let parts = token.split(separator: ".")
        let header = base64URL(#"{"alg":"none"}"#)
        #expect(verifyError(signer, "\(header).\(parts[1]).\(parts[2])") == .badSignature)
    }

    @Test func tamperedSignatureIsABadSignature() {
        let token = signer.sign(claims: claims(exp: now + 600))
        let parts = token.split(separator: ".")
        var signature = Array(parts[2])
        signature[0] = signature[0] == "A" ? "B" : "A"
        #expect(verifyError(signer, "\(parts[0]).\(parts[1]).\(String(signature))") == .badSignature)
    }

    @Test func anotherSecretIsABadSignature() {
        let token = JWTSigner(secret: Array("another-secret".utf8)).sign(claims: claims(exp: now + 600))
        #expect(verifyError(signer, token) == .badSignature)
    }

    @Test func expiredTokenIsRefused() {
        let token = signer.sign(claims: claims(exp: now - 1))
        #expect(verifyError(signer, token) == .expired)
    }

    @Test func expiryIsExclusive() throws {
        let token = signer.sign(claims: claims(exp: 1_000))
        #expect(verifyError(signer, token, now: 999) == nil)
        #expect(verifyError(signer, token, now: 1_000) == .expired)
        #expect(verifyError(signer, token, now: 5_000) == .expired)
    }

    @Test func tokenWithoutExpiryIsRefused() {
        let token = signer.sign(claims: [JSONMember("sub", .string("x"))])
        #expect(verifyError(signer, token) == .expired)
    }

    @Test(arguments: ["", "abc", "a.b", "a.b.c.d", "...", "!!!.???.***"])
    func malformedTokens(_ token: String) {
        #expect(verifyError(signer, token) == .malformed)
    }

    @Test func undecodableSignatureIsMalformed() {
        let token = signer.sign(claims: claims(exp: now + 600))
        let parts = token.split(separator: ".")
        #expect(verifyError(signer, "\(parts[0]).\(parts[1]).@@@@") == .malformed)
    }

    @Test func signedNonObjectPayloadIsMalformed() {
        // A correctly signed token whose payload is not a JSON object.
        let header = base64URL(#"{"alg":"HS512"}"#)
        for payload in ["[1,2]", "not json"] {
            let signingInput = header + "." + base64URL(payload)
            let token = signingInput + "." + JWTSigner.base64URL(hmac(signingInput))
            #expect(verifyError(signer, token) == .malformed)
        }
    }

    /// HMAC-SHA512 of arbitrary input with the signer's secret.
    func hmac(_ signingInput: String) -> Data {
        Data(HMAC<SHA512>.authenticationCode(for: Data(signingInput.utf8), using: SymmetricKey(data: secret)))
    }
}

@Suite struct HMACHelperTests {
    /// The helper must agree with the signer, or `signedNonObjectPayloadIsMalformed` proves nothing.
    @Test func helperMatchesTheSigner() throws {
        let token = JWTSigner(secret: secret).sign(claims: [JSONMember("a", .number("1"))])
        let parts = token.split(separator: ".")
        #expect(JWTSignerTests().hmac("\(parts[0]).\(parts[1])") == base64URLDecode(parts[2]))
    }
}
