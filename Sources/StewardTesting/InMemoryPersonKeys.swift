import Crypto
import StewardCore
import StewardVault
import Synchronization

/// Per-person keys in memory, for tests of the vault and of backends that seal: the same rules as the key store
/// (created on first use, destroyed on erasure, the service subject's key derived and indestructible).
public final class InMemoryPersonKeys: PersonKeys {
    private let master = SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
    private let stored = Mutex<[String: (key: [UInt8], created: Int64)]>([:])
    private let clock: @Sendable () -> Int64

    public init(clock: @escaping @Sendable () -> Int64 = WallClock.nowMillis) {
        self.clock = clock
    }

    public func key(for subject: UserID) throws -> SymmetricKey {
        if let existing = try existingKey(for: subject) { return existing }
        let bytes = SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
        let now = clock()
        // Another caller may have made it meanwhile: whichever key is stored first is the person's.
        let key = stored.withLock { keys in
            if let existing = keys[subject.description] { return existing.key }
            keys[subject.description] = (bytes, now)
            return bytes
        }
        return SymmetricKey(data: key)
    }

    public func existingKey(for subject: UserID) throws -> SymmetricKey? {
        if subject == VaultSubject.service { return SymmetricKey(data: derivedKey(VaultSubject.serviceKeyLabel)) }
        return stored.withLock { $0[subject.description] }.map { SymmetricKey(data: $0.key) }
    }

    public func destroy(_ subject: UserID) throws {
        guard subject != VaultSubject.service else { return }
        stored.withLock { _ = $0.removeValue(forKey: subject.description) }
    }

    public func subjects(createdBefore time: Int64) throws -> Set<String> {
        Set(stored.withLock { $0.filter { $0.value.created < time }.keys })
    }

    public func derivedKey(_ label: String) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: Array(label.utf8), using: SymmetricKey(data: master)))
    }
}
