import Crypto
import Foundation
import GRDB
import StewardCore
import StewardVault
import Synchronization

/// One AES-256 key per person, kept in `keys.sqlite` beside the database, each wrapped (AES-GCM) by the master
/// key, which is a file of its own and never in either database (promise MS-18b).
///
/// Backups encrypt a person's data with their key; erasing the person destroys the key, so every copy of their data
/// in every earlier backup becomes unreadable at once, wherever those backups are.
public final class PersonKeyStore: PersonKeys {
    let queue: DatabaseQueue
    let masterBytes: [UInt8]
    let cache = Mutex<[String: [UInt8]]>([:])
    var master: SymmetricKey { SymmetricKey(data: masterBytes) }

    /// Opens (creating if needed) the key store at `path`, wrapped by `masterKey` (32 bytes or more; the first 32
    /// are used).
    public init(path: String, masterKey: [UInt8]) throws {
        guard masterKey.count >= 32 else {
            throw StewardError.badRequest("The master key must be at least 32 bytes")
        }
        masterBytes = Array(masterKey.prefix(32))
        var configuration = Configuration()
        // The server and the CLI share the file: wait for the other's write instead of failing at once.
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            // A destroyed key is overwritten, not left in a free page.
            try db.execute(sql: "PRAGMA secure_delete = ON")
        }
        queue = try DatabaseQueue(path: path, configuration: configuration)
        try queue.write { db in
            try db.execute(
                sql: """
                    CREATE TABLE IF NOT EXISTS person_key (
                        subject TEXT PRIMARY KEY,
                        wrapped BLOB NOT NULL,
                        created_time INTEGER NOT NULL
                    )
                    """)
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
    }

    /// Who contact details belong to when they belong to no account (`VaultSubject.service`).
    public static let serviceSubject = VaultSubject.service

    /// A key for one use, derived from the master key (never stored).
    public func derivedKey(_ label: String) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: Array(label.utf8), using: master))
    }

    /// The person's key, created on first use.
    public func key(for subject: UserID) throws -> SymmetricKey {
        if let key = try existingKey(for: subject) { return key }
        let key = SymmetricKey(size: .bits256)
        let wrapped = try AES.GCM.seal(key.withUnsafeBytes { Data($0) }, using: master, authenticating: Data(subject.description.utf8))
        try queue.write { db in
            try db.execute(
                sql: "INSERT OR IGNORE INTO person_key(subject, wrapped, created_time) VALUES (?, ?, ?)",
                arguments: [subject.description, wrapped.combined!, WallClock.nowMillis()])
        }
        // Another writer may have won the insert; read back whichever key is stored.
        guard let stored = try existingKey(for: subject) else {
            throw StewardError(.internal, "The key store did not keep the new key of \(subject)")
        }
        return stored
    }

    /// The person's key, or nil when it never existed or was destroyed.
    public func existingKey(for subject: UserID) throws -> SymmetricKey? {
        if subject == Self.serviceSubject { return SymmetricKey(data: derivedKey(VaultSubject.serviceKeyLabel)) }
        if let bytes = cache.withLock({ $0[subject.description] }) { return SymmetricKey(data: bytes) }
        guard
            let wrapped = try queue.read({ db in
                try Data.fetchOne(db, sql: "SELECT wrapped FROM person_key WHERE subject = ?", arguments: [subject.description])
            })
        else { return nil }
        let box = try AES.GCM.SealedBox(combined: wrapped)
        let bytes = Array(try AES.GCM.open(box, using: master, authenticating: Data(subject.description.utf8)))
        cache.withLock { $0[subject.description] = bytes }
        return SymmetricKey(data: bytes)
    }

    /// Destroys the person's key; their data in every backup becomes unreadable.
    public func destroy(_ subject: UserID) throws {
        guard subject != Self.serviceSubject else { return }
        cache.withLock { _ = $0.removeValue(forKey: subject.description) }
        try queue.write { db in
            try db.execute(sql: "DELETE FROM person_key WHERE subject = ?", arguments: [subject.description])
        }
    }

    /// Every subject that has a key, or only those whose key was made before `time` (Unix ms).
    public func subjects(createdBefore time: Int64) throws -> Set<String> {
        Set(try queue.read { db in try String.fetchAll(db, sql: "SELECT subject FROM person_key WHERE created_time < ?", arguments: [time]) })
    }

    public func count() throws -> Int {
        try queue.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM person_key") ?? 0 }
    }
}
