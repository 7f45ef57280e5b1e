import GRDB
import StewardCore

extension KVValue {
    var storedValue: DatabaseValue {
        switch self {
        case .bool(let b): return (b ? 1 : 0).databaseValue
        case .long(let l): return l.databaseValue
        case .double(let d): return d.databaseValue
        case .string(let s), .json(let s): return s.databaseValue
        }
    }

    init?(typeTag: Int64, stored: DatabaseValue) {
        switch (typeTag, stored.storage) {
        case (1, .int64(let i)): self = .bool(i != 0)
        case (2, .int64(let i)): self = .long(i)
        case (2, .double(let d)): self = .long(Int64(d))
        case (3, .double(let d)): self = .double(d)
        case (3, .int64(let i)): self = .double(Double(i))
        case (4, .string(let s)): self = .string(s)
        case (5, .string(let s)): self = .json(s)
        default: return nil
        }
    }
}
