import Crypto
import Foundation
import StewardCore

/// The one format every sealed value has, in the live database and in backups, whatever the backend:
/// `STW1` + the subject's id (36 bytes of text) + an AES-GCM box (nonce, ciphertext, tag) of a type byte and the
/// value, authenticated with its context (`table.column`, `reading`), so a value moved to another place does not
/// open. Backends store the bytes as an opaque blob and never look inside.
public enum Sealing {
    /// A plain value as databases hold them.
    public enum Value: Sendable, Equatable {
        case null
        case integer(Int64)
        case real(Double)
        case text(String)
        case bytes([UInt8])
    }

    public static let magic = Array("STW1".utf8)
    static let subjectLength = 36

    /// The sealed bytes of `value` for `subject` (nil for `.null`: nothing to hide).
    public static func seal(_ value: Value, subject: String, context: String, key: SymmetricKey) throws -> [UInt8]? {
        var plain: [UInt8]
        switch value {
        case .null: return nil
        case .integer(let i): plain = [1] + withUnsafeBytes(of: i.littleEndian, Array.init)
        case .real(let d): plain = [2] + withUnsafeBytes(of: d.bitPattern.littleEndian, Array.init)
        case .text(let s): plain = [3] + Array(s.utf8)
        case .bytes(let b): plain = [4] + b
        }
        let box = try AES.GCM.seal(plain, using: key, authenticating: Data(context.utf8))
        plain.removeAll()
        return magic + Array(subject.utf8) + Array(box.combined!)
    }

    /// Whether the bytes are a sealed value.
    public static func isSealed(_ bytes: some Collection<UInt8>) -> Bool {
        bytes.count > magic.count + subjectLength && bytes.prefix(magic.count).elementsEqual(magic)
    }

    /// The subject a sealed value names.
    public static func subject(of bytes: [UInt8]) throws(StewardError) -> UserID {
        guard isSealed(bytes), let text = String(bytes: bytes[magic.count..<(magic.count + subjectLength)], encoding: .utf8),
            let id = UserID(text)
        else { throw .badRequest("A sealed value names no person; the data is damaged") }
        return id
    }

    /// The plain value, or nil when the subject's key is gone (or is not the one it was sealed with).
    public static func open(_ bytes: [UInt8], context: String, keys: any PersonKeys) throws -> Value? {
        guard let key = try keys.existingKey(for: try subject(of: bytes)) else { return nil }
        let box = try AES.GCM.SealedBox(combined: Data(bytes[(magic.count + subjectLength)...]))
        guard let opened = try? AES.GCM.open(box, using: key, authenticating: Data(context.utf8)) else { return nil }
        let plain = Array(opened)
        guard let tag = plain.first else { return .null }
        let payload = Array(plain.dropFirst())
        switch tag {
        case 1: return .integer(payload.withUnsafeBytes { Int64(littleEndian: $0.loadUnaligned(as: Int64.self)) })
        case 2: return .real(Double(bitPattern: payload.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }))
        case 3: return .text(String(decoding: payload, as: UTF8.self))
        default: return .bytes(payload)
        }
    }
}
