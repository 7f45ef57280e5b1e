import Foundation
import StewardCore
import StewardStore

// UNBUILT: placeholders until the PostgreSQL BackupStore is written; every one fails loudly.
extension PostgresStore: BackupStore {
    public func backup(to path: String) throws -> Int { throw Unbuilt.error(#function) }
}
