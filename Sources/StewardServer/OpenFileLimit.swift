#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The process's open-file limit (RLIMIT_NOFILE), which bounds how many connections Steward can hold: every
/// socket is a file descriptor. The default soft limit is often 1,024, which a few hundred idle sockets plus the
/// devices exhaust; the hard limit is usually far higher and any process may raise its soft limit up to it.
public enum OpenFileLimit {
    /// Descriptors kept back from connections for the database, its WAL, key files, logs and outgoing mail: a
    /// share of the limit, never more than 8,192.
    public static func headroom(for limit: Int) -> Int { min(max(limit / 2, 64), 8_192) }

    /// How many connections (MQTT and HTTP together) `limit` descriptors leave room for.
    public static func connections(for limit: Int) -> Int { max(limit - headroom(for: limit), 1) }

    /// Raises the soft limit to the hard limit where the system allows it; returns the soft limit now in force.
    /// A hard limit of "unlimited" is not a value `setrlimit` accepts for descriptors, so then the largest of a few
    /// common ceilings that the system accepts is used.
    @discardableResult
    public static func raise() -> Int {
        var limits = rlimit()
        guard getrlimit(resourceNoFile, &limits) == 0 else { return 1_024 }
        let current = limits.rlim_cur
        var candidates: [rlim_t] = []
        if !isUnlimited(limits.rlim_max) { candidates.append(limits.rlim_max) }
        candidates += [1 << 20, 1 << 16, 10_240].filter { $0 < limits.rlim_max }
        for candidate in candidates where candidate > current {
            var wanted = limits
            wanted.rlim_cur = candidate
            if setrlimit(resourceNoFile, &wanted) == 0 { return clamp(candidate) }
        }
        return clamp(current)
    }

    private static func clamp(_ value: rlim_t) -> Int {
        isUnlimited(value) || value > rlim_t(Int32.max) ? Int(Int32.max) : Int(value)
    }

    /// RLIM_INFINITY is all ones on Linux and 2^63 - 1 on the BSDs (and does not import as a Swift constant).
    private static func isUnlimited(_ value: rlim_t) -> Bool { value >= rlim_t(Int64.max) }

    #if canImport(Glibc)
    private static let resourceNoFile = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    #else
    private static let resourceNoFile = RLIMIT_NOFILE
    #endif
}
