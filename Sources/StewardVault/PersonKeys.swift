import Crypto
import Foundation
import StewardCore

/// Where each person's key lives (promise MS-18b): one AES-256 key per person, made on first use and destroyed when
/// the person is erased, so every copy of their sealed data, in the live database or in any backup, becomes noise
/// at once. Backends store only what these keys sealed; the key store itself is kept apart from them.
public protocol PersonKeys: Sendable {
    /// The person's key, created on first use.
    func key(for subject: UserID) throws -> SymmetricKey
    /// The person's key, or nil when it never existed or was destroyed.
    func existingKey(for subject: UserID) throws -> SymmetricKey?
    /// Destroys the person's key; the service subject's key cannot be destroyed.
    func destroy(_ subject: UserID) throws
    /// Every subject that has a key made before `time` (Unix ms).
    func subjects(createdBefore time: Int64) throws -> Set<String>
    /// A key for one use, derived from the master key (never stored).
    func derivedKey(_ label: String) -> [UInt8]
}

extension PersonKeys {
    /// Destroys these subjects' keys (an erasure that stopped between its commit and the key's destruction leaves
    /// one behind; a backup sweeps it).
    public func destroyKeys(_ subjects: Set<String>) throws {
        for subject in subjects {
            if let id = UserID(subject) { try destroy(id) }
        }
    }
}

/// The subjects data is sealed for.
public enum VaultSubject {
    /// Who contact details belong to when they belong to no account (a parent's address, a request from someone
    /// without one): sealed with a key derived from the master key, which no erasure destroys.
    public static let service = UserID(UUID(uuidString: "00000000-0000-0000-0000-000000000000")!)
    /// The label the service key is derived under.
    public static let serviceKeyLabel = "steward contact service key v1"
}
