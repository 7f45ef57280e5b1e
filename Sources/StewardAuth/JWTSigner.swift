import Crypto
import Foundation
import StewardCore

/// Issues and verifies HS512 JSON Web Tokens in ThingsBoard's layout, so clients that read `exp` from the token
/// (both Python REST clients do) refresh at the right time.
public struct JWTSigner: Sendable {
    public enum VerifyError: Error, Equatable, Sendable {
        case malformed
        case badSignature
        case expired
    }

    /// Raw key bytes; `SymmetricKey` is built per use because it is not `Sendable`.
    let secret: [UInt8]

    public init(secret: [UInt8]) {
        self.secret = secret
    }

    var key: SymmetricKey { SymmetricKey(data: secret) }

    /// Signs a claims object (a JSON object literal) into a compact JWS.
    public func sign(claims: [JSONMember]) -> String {
        let header = Self.base64URL(Data(#"{"alg":"HS512"}"#.utf8))
        let payload = Self.base64URL(Data(JSONValue.object(claims).serialized.utf8))
        let signingInput = header + "." + payload
        let mac = HMAC<SHA512>.authenticationCode(for: Data(signingInput.utf8), using: key)
        return signingInput + "." + Self.base64URL(Data(mac))
    }

    /// Checks signature and expiry and returns the claims.
    public func verify(_ token: String, now: Int64 = WallClock.nowMillis() / 1000) throws(VerifyError) -> JSONValue {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let signature = Self.base64URLDecode(parts[2]),
            let payloadData = Self.base64URLDecode(parts[1])
        else { throw .malformed }
        let signingInput = Data((parts[0] + "." + parts[1]).utf8)
        guard HMAC<SHA512>.isValidAuthenticationCode(signature, authenticating: signingInput, using: key) else {
            throw .badSignature
        }
        guard let claims = try? JSONParser.parse(payloadData), case .object = claims else { throw .malformed }
        guard let exp = claims["exp"]?.int64Value, exp > now else { throw .expired }
        return claims
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func base64URLDecode(_ text: Substring) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64)
    }
}
