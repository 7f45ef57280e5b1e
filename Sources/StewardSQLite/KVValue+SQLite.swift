import GRDB
import StewardCore
import StewardVault

/// A value as SQLite stores it: the vault's neutral form (`KVValue.sealingValue`) as a GRDB value.
extension KVValue {
    var storedValue: DatabaseValue {
        BackupCipher.databaseValue(sealingValue)
    }

    init?(typeTag: Int64, stored: DatabaseValue) {
        self.init(typeTag: typeTag, value: BackupCipher.vaultValue(stored))
    }
}
