import Crypto
import StewardCore

/// A reading or attribute of a sensitive category, sealed with the key of the person its device concerns (MS-6), the
/// same bytes on every backend: the `Sealing` format over the value as databases hold it (bool and long as integer,
/// double as real, string and JSON as text), context `reading`. Its type tag is the value's plus `offset`.
public enum SealedReading {
    public static let context = "reading"
    public static let offset: Int64 = 100

    /// The sealed bytes of `value` for `subject`.
    public static func seal(_ value: KVValue, subject: String, key: SymmetricKey) throws -> [UInt8] {
        try Sealing.seal(value.sealingValue, subject: subject, context: context, key: key) ?? []
    }

    /// The value of a sealed reading with tag `typeTag` (≥ `offset`), or nil when its key is gone.
    public static func open(typeTag: Int64, sealed: [UInt8], keys: (any PersonKeys)?) -> KVValue? {
        guard let keys, let plain = try? Sealing.open(sealed, context: context, keys: keys) else { return nil }
        return KVValue(typeTag: typeTag - offset, value: plain)
    }
}

extension KVValue {
    /// The value as databases hold it.
    public var sealingValue: Sealing.Value {
        switch self {
        case .bool(let b): return .integer(b ? 1 : 0)
        case .long(let l): return .integer(l)
        case .double(let d): return .real(d)
        case .string(let s), .json(let s): return .text(s)
        }
    }

    /// A value of type `typeTag` (1…5) from its stored form.
    public init?(typeTag: Int64, value: Sealing.Value) {
        switch (typeTag, value) {
        case (1, .integer(let i)): self = .bool(i != 0)
        case (2, .integer(let i)): self = .long(i)
        case (2, .real(let d)): self = .long(Int64(d))
        case (3, .real(let d)): self = .double(d)
        case (3, .integer(let i)): self = .double(Double(i))
        case (4, .text(let s)): self = .string(s)
        case (5, .text(let s)): self = .json(s)
        default: return nil
        }
    }
}
