import Crypto
import Foundation

/// Random secrets and their digests. Every secret Steward hands out (links, cookies, keys, recovery codes) is
/// stored only as a SHA-256, so a copy of the database opens nothing.
public enum Secrets {
    /// 32 random bytes as unpadded base64url (43 characters).
    public static func token(bytes count: Int = 32) -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// A random decimal code of `digits` digits, for mailed sign-in codes.
    public static func numericCode(digits: Int = 6) -> String {
        var generator = SystemRandomNumberGenerator()
        return String((0..<digits).map { _ in Character(String(generator.next(upperBound: UInt8(10)))) })
    }

    public static func sha256Hex(_ text: String) -> String {
        SHA256.hash(data: Array(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// HMAC-SHA256 of `message`, hex, for values the server must recognise without storing them (CSRF tokens).
    public static func hmacHex(key: [UInt8], _ message: String) -> String {
        HMAC<SHA256>.authenticationCode(for: Array(message.utf8), using: SymmetricKey(data: key))
            .map { String(format: "%02x", $0) }.joined()
    }

    /// Compares without an early exit, so timing does not tell how much of a guess was right.
    public static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for index in x.indices { difference |= x[index] ^ y[index] }
        return difference == 0
    }
}
