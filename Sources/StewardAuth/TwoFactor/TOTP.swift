import Foundation
import Crypto

/// Time-based one-time passwords (RFC 6238 over RFC 4226): HMAC-SHA1, 30-second steps, 6 digits — what every
/// authenticator app expects by default.
public struct TOTP: Sendable {
    public let secret: [UInt8]
    public static let stepSeconds: Int64 = 30

    public init(secret: [UInt8]) { self.secret = secret }

    public init?(base32 text: String) {
        guard let bytes = Base32.decode(text) else { return nil }
        self.secret = bytes
    }

    public static func generateSecret() -> TOTP {
        var generator = SystemRandomNumberGenerator()
        return TOTP(secret: (0..<20).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }

    public var base32: String { Base32.encode(secret) }

    public static func step(at millis: Int64) -> Int64 { millis / 1000 / stepSeconds }

    public func code(step: Int64) -> String {
        var counter = UInt64(step).bigEndian
        let message = withUnsafeBytes(of: &counter) { Array($0) }
        let mac = Array(HMAC<Insecure.SHA1>.authenticationCode(for: message, using: SymmetricKey(data: secret)))
        let offset = Int(mac[mac.count - 1] & 0x0f)
        let value = (UInt32(mac[offset] & 0x7f) << 24) | (UInt32(mac[offset + 1]) << 16) | (UInt32(mac[offset + 2]) << 8)
            | UInt32(mac[offset + 3])
        let code = String(value % 1_000_000)
        return String(repeating: "0", count: 6 - code.count) + code
    }

    /// The step whose code matches, looking one step back and ahead for clock drift.
    public func matchingStep(_ code: String, at millis: Int64) -> Int64? {
        let current = Self.step(at: millis)
        return [current, current - 1, current + 1].first { Secrets.constantTimeEquals(self.code(step: $0), code) }
    }

    /// The `otpauth://` URI authenticator apps read from the QR code.
    public func provisioningURI(account: String, issuer: String) -> String {
        let label = Self.percentEncode("\(issuer):\(account)")
        return "otpauth://totp/\(label)?secret=\(base32)&issuer=\(Self.percentEncode(issuer))&algorithm=SHA1&digits=6&period=30"
    }

    static func percentEncode(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            let scalar = Unicode.Scalar(byte)
            if (byte < 0x80 && (Character(scalar).isLetter || Character(scalar).isNumber)) || "-._~".utf8.contains(byte) {
                result.unicodeScalars.append(scalar)
            } else {
                result += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return result
    }
}

extension String {
    func leftPadded(to length: Int) -> String { String(repeating: "0", count: max(0, length - count)) + self }
}

/// RFC 4648 base32 without padding, the alphabet TOTP secrets are exchanged in.
enum Base32 {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var result: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        for byte in bytes {
            buffer = (buffer << 8) | UInt32(byte)
            bits += 8
            while bits >= 5 {
                result.append(alphabet[Int((buffer >> UInt32(bits - 5)) & 31)])
                bits -= 5
            }
        }
        if bits > 0 { result.append(alphabet[Int((buffer << UInt32(5 - bits)) & 31)]) }
        return String(decoding: result, as: UTF8.self)
    }

    static func decode(_ text: String) -> [UInt8]? {
        var result: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        for character in text.uppercased().utf8 where character != UInt8(ascii: "=") && character != UInt8(ascii: " ") {
            guard let value = alphabet.firstIndex(of: character) else { return nil }
            buffer = (buffer << 5) | UInt32(value)
            bits += 5
            if bits >= 8 {
                result.append(UInt8((buffer >> UInt32(bits - 8)) & 0xff))
                bits -= 8
            }
        }
        return result.isEmpty ? nil : result
    }
}
