import Crypto
import Foundation
import GRDB
import StewardCore
import StewardVault

/// Readings of sensitive categories (precise location, health…) from a device that concerns a person are stored
/// sealed with that person's key (promise MS-6): type tag + 100, value an AES-GCM box in `BackupCipher`'s format.
/// Reads open them transparently; erasing the person destroys the key, so any copy of them left anywhere is noise.
enum SealedReadings {
    static let context = "reading"
    static let offset: Int64 = 100

    static func seal(_ value: KVValue, subject: String, key: SymmetricKey) throws -> [UInt8] {
        guard case .blob(let data) = try sealedValue(value, subject: subject, key: key).storage else { return [] }
        return Array(data)
    }

    /// The sealed value as a database value (attributes are written through GRDB arguments, readings by the row writer).
    static func sealedValue(_ value: KVValue, subject: String, key: SymmetricKey) throws -> DatabaseValue {
        try BackupCipher.seal(value.storedValue, subject: subject, context: context, key: key)
    }

    /// The plain value of a sealed reading (nil when its key is gone); other values pass through.
    static func open(_ value: DatabaseValue, keys: any PersonKeys) throws -> DatabaseValue? {
        try BackupCipher.open(value, context: context, keys: keys)
    }

    /// A stored reading as a value, opening it when sealed.
    static func value(t: Int64, v: DatabaseValue, keys: (any PersonKeys)?) -> KVValue? {
        guard t >= offset else { return KVValue(typeTag: t, stored: v) }
        guard let keys, let plain = try? open(v, keys: keys) else { return nil }
        return KVValue(typeTag: t - offset, stored: plain)
    }

}
