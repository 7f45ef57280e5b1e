import StewardCore

/// Whose readings a storage TTL covers: every device of a tenant (ThingsBoard's tenant-profile default TTL), or every
/// device of one device profile.
public enum StorageTTLScope: Sendable, Hashable {
    case tenant(TenantID)
    case profile(DeviceProfileID)

    /// The devices of the scope as a WHERE clause over readings aliased `r` (one parameter: the id).
    public var selection: String {
        switch self {
        case .tenant: return "r.device_seq IN (SELECT seq FROM device WHERE tenant_id = ?)"
        case .profile: return "r.device_seq IN (SELECT seq FROM device WHERE profile_id = ?)"
        }
    }

    /// `tenant` or `profile`, as reports and the CLI name the scope.
    public var kind: String {
        switch self {
        case .tenant: return "tenant"
        case .profile: return "profile"
        }
    }

    public var id: String {
        switch self {
        case .tenant(let id): return id.description
        case .profile(let id): return id.description
        }
    }
}

/// A storage TTL as set: the scope, its name as people know it, and the seconds readings are kept.
public struct StorageTTL: Sendable, Equatable {
    public var scope: StorageTTLScope
    public var name: String
    public var seconds: Int64

    public init(scope: StorageTTLScope, name: String, seconds: Int64) {
        self.scope = scope
        self.name = name
        self.seconds = seconds
    }

    /// Both backends: every TTL set, tenants first (columns: kind, id, name, seconds).
    public static let listSQL = """
        SELECT 'tenant' AS kind, id, name, storage_ttl FROM tenant WHERE storage_ttl IS NOT NULL
        UNION ALL
        SELECT 'profile' AS kind, id, name, storage_ttl FROM device_profile WHERE storage_ttl IS NOT NULL
        ORDER BY kind DESC, name
        """

    /// The update for a scope (parameters: seconds or NULL, id, tenant).
    public static func setSQL(_ scope: StorageTTLScope) -> String {
        switch scope {
        case .tenant: return "UPDATE tenant SET storage_ttl = ? WHERE id = ? AND id = ?"
        case .profile: return "UPDATE device_profile SET storage_ttl = ? WHERE id = ? AND tenant_id = ?"
        }
    }

    /// The largest TTL accepted, in seconds: the same bound as the REST `{ttl}` segment, so no cutoff can overflow.
    public static let maximumSeconds = IntegerInput.maximumTimestamp / 1000

    /// Refuses a TTL below one second or above `maximumSeconds`.
    public static func check(seconds: Int64) throws(StewardError) {
        guard (1...maximumSeconds).contains(seconds) else {
            throw .badRequest("A storage TTL must be from 1 to \(maximumSeconds) seconds, not \(seconds)")
        }
    }
}

extension StorageTTL {
    /// The error for a tenant or profile that does not exist (or, for a profile, belongs to another tenant).
    public static func notFound(_ scope: StorageTTLScope) -> StewardError {
        switch scope {
        case .tenant(let id): return .notFound("Tenant \(id) not found")
        case .profile(let id): return .notFound("Device profile \(id) not found in this tenant")
        }
    }
}
