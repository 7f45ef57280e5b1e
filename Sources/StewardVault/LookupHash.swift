import Crypto
import Foundation

/// The keyed hash rows are found by instead of a sealed address (sign-in by email, requests by email, the outbox by
/// recipient): hex HMAC-SHA256 of the trimmed address with ASCII letters lower-cased, under a key derived from the
/// master key, so addresses are found, and kept unique, ignoring case, and the hash says nothing without the key.
public struct LookupHash: Sendable {
    let key: [UInt8]

    /// Without a key store (no master key), a fixed key: hashes still work, they just protect nothing.
    public init(keys: (any PersonKeys)?) {
        key = keys?.derivedKey("steward contact lookup v1") ?? Array("steward contact lookup, no master key".utf8)
    }

    public func hash(_ address: String) -> String {
        let folded = address.trimmingCharacters(in: .whitespacesAndNewlines).utf8.map { (65...90).contains($0) ? $0 + 32 : $0 }
        let code = HMAC<SHA256>.authenticationCode(for: folded, using: SymmetricKey(data: key))
        return code.map { String(format: "%02x", $0) }.joined()
    }
}
