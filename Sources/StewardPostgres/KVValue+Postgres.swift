import StewardCore
import Crypto
import StewardVault

/// A value in PostgreSQL's typed columns (`t`, `v_long`, `v_double`, `v_text`, `v_sealed`), as readings, latest
/// values and attributes store it: exactly one value column is set, chosen by `t` (the `ts_kv_one_value` check).
/// Bool is stored in `v_long` as 0/1; a sealed value (`t` ≥ 100) in `v_sealed`.
struct StoredValue: Sendable {
    var t: Int16
    var long: Int64?
    var double: Double?
    var text: String?
    var sealed: [UInt8]?

    /// A plain value's columns.
    init(_ value: KVValue) {
        t = Int16(value.typeTag)
        switch value {
        case .bool(let b): long = b ? 1 : 0
        case .long(let l): long = l
        case .double(let d): double = d
        case .string(let s), .json(let s): text = s
        }
    }

    /// A sealed value's columns (see `SealedReading`).
    init(sealing value: KVValue, subject: String, key: SymmetricKeyBytes) throws {
        t = Int16(value.typeTag + SealedReading.offset)
        sealed = try SealedReading.seal(value, subject: subject, key: key.key)
    }

    init(t: Int16, long: Int64?, double: Double?, text: String?, sealed: [UInt8]?) {
        self.t = t
        self.long = long
        self.double = double
        self.text = text
        self.sealed = sealed
    }

    /// Reads the five columns of `row` (named `t`, `v_long`, `v_double`, `v_text`, `v_sealed`).
    init(row: SQLRow) throws {
        t = try row["t"]
        long = try row["v_long"]
        double = try row["v_double"]
        text = try row["v_text"]
        sealed = try row.bytes("v_sealed")
    }

    /// The value, opening a sealed one with `keys` (nil when its key is gone or the row is malformed).
    func value(keys: (any PersonKeys)?) -> KVValue? {
        let tag = Int64(t)
        if tag >= SealedReading.offset {
            guard let sealed else { return nil }
            return SealedReading.open(typeTag: tag, sealed: sealed, keys: keys)
        }
        switch tag {
        case 1: return long.map { .bool($0 != 0) }
        case 2: return long.map { .long($0) }
        case 3: return double.map { .double($0) }
        case 4: return text.map { .string($0) }
        case 5: return text.map { .json($0) }
        default: return nil
        }
    }

    /// The SQL list of the five columns, for SELECTs.
    static let columns = "t, v_long, v_double, v_text, v_sealed"
}

/// A person's key as raw bytes (what the sealing cache holds), made a `SymmetricKey` when used.
struct SymmetricKeyBytes: Sendable {
    var bytes: [UInt8]
    var key: SymmetricKey { SymmetricKey(data: bytes) }
}
