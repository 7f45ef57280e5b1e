import Crypto
import StewardCore
import StewardStore
import StewardVault
import Synchronization

/// Where a device's readings and attributes go: its storage key (`device.seq`) and, when something is to be sealed,
/// the person the device concerns with their key.
struct IngestTarget: Sendable {
    var seq: Int64
    var person: String? = nil
    var key: SymmetricKeyBytes? = nil
}

extension PostgresStore {
    /// The SQL naming the only account of the tenant in `tenantColumn`, if it has exactly one (as SQLite's).
    static func soleMember(of tenantColumn: String) -> String {
        """
        (SELECT u.id FROM "user" u WHERE u.tenant_id = \(tenantColumn)
         AND NOT EXISTS (SELECT 1 FROM "user" o WHERE o.tenant_id = \(tenantColumn) AND o.id <> u.id))
        """
    }

    /// The SQL naming the person a device `d` concerns: the person it is assigned to, else the sole member of its
    /// tenant.
    static let devicePerson = "COALESCE(d.person_id, \(soleMember(of: "d.tenant_id")))"

    /// The device key, only if the device belongs to `tenant`: the tenant check every read goes through.
    func scopedDeviceKey(_ db: SQLConnection, tenant: TenantID, device: DeviceID) async throws -> Int64 {
        guard
            let key = try await db.fetchValue(
                Int64.self, sql: "SELECT seq FROM device WHERE id = ? AND tenant_id = ?",
                arguments: [device.description, tenant.description])
        else { throw StewardError.notFound("Device with id [\(device)] is not found") }
        return key
    }

    /// The target of device `seq`; with `sealing`, the person it concerns and their key (cached for
    /// `sealingCacheLifetimeMs`; assignment and erasure in this process clear the cache at once).
    func ingestTarget(_ db: SQLConnection, seq: Int64, sealing: Bool) async throws -> IngestTarget {
        guard sealing else { return IngestTarget(seq: seq) }
        let now = WallClock.nowMillis()
        if let cached = sealingCache.withLock({ $0[seq] }), cached.expires > now {
            return IngestTarget(seq: seq, person: cached.person, key: cached.keyBytes.map(SymmetricKeyBytes.init))
        }
        let person = try await db.fetchValue(
            String.self, sql: "SELECT \(Self.devicePerson) FROM device d WHERE d.seq = ?", arguments: [seq])
        var target = IngestTarget(seq: seq)
        if let person, let id = UserID(person) {
            target.person = person
            target.key = SymmetricKeyBytes(bytes: try keys.key(for: id).withUnsafeBytes { Array($0) })
        }
        sealingCache.withLock {
            if $0.count > self.tokenCache.capacity { $0.removeAll() }
            $0[seq] = (target.person, target.key?.bytes, now + Self.sealingCacheLifetimeMs)
        }
        return target
    }

    /// Forgets who every device concerns (after an assignment or an erasure).
    func forgetSealingTargets() {
        sealingCache.withLock { $0.removeAll() }
    }
}
