import Foundation
import StewardCore
import StewardMail
import StewardSQLite
import StewardStore

/// The one place that knows which database holds Steward's data: it opens the backend and hands the rest of the
/// composition root its stores as protocols (`BackendStores`) and its mail outbox. Today that is SQLite in the data
/// directory; a second backend joins here and nowhere else.
public enum StoreBackendFactory {
    /// The backend's stores and outbox.
    struct Opened {
        var stores: any BackendStores
        var mailOutbox: any MailOutboxStore
        /// Whether the backend can seal personal data (it holds the per-person key store).
        var sealsPersonalData: Bool
    }

    static func open(
        _ configuration: ServerConfiguration, masterKey: [UInt8]?, auditKey: [UInt8]?, storage: StorageStatus
    ) throws -> Opened {
        let store = try SQLiteStore(
            directory: configuration.dataDirectory,
            durability: SQLiteStore.Durability(rawValue: configuration.durability) ?? .full, auditKey: auditKey,
            masterKey: masterKey, maximumSize: configuration.maximumDatabaseSize, storage: storage)
        return Opened(stores: store, mailOutbox: SQLiteMailOutbox(store: store), sealsPersonalData: store.keys != nil)
    }

    /// Restores a backup into `directory` (which must hold no database), opening each person's data with the key
    /// store `keys.sqlite` in `keysDirectory` under `masterKey`; data of people erased since the backup cannot be
    /// opened and is dropped. Returns how many values were opened and how many rows dropped.
    public static func restore(
        backup: String, into directory: String, keysDirectory: String, masterKey: [UInt8]
    ) throws -> (opened: Int, dropped: Int) {
        let keys = try PersonKeyStore(path: (keysDirectory as NSString).appendingPathComponent("keys.sqlite"), masterKey: masterKey)
        return try SQLiteStore.restore(backup: backup, into: directory, keys: keys)
    }
}
