extension KVValue {
    /// The value's type as every backend stores it in a `t` column (1 bool, 2 long, 3 double, 4 string, 5 JSON; a
    /// sealed value adds 100), so rows move between backends (`steward db copy`, backups) unchanged.
    public var typeTag: Int64 {
        switch self {
        case .bool: return 1
        case .long: return 2
        case .double: return 3
        case .string: return 4
        case .json: return 5
        }
    }
}
