import GRDB
import StewardCore
import StewardStore

/// SQLite says `SQLITE_FULL` when a write needs a page the disk (ENOSPC) or the quota (`max_page_count`, set from
/// `STEWARD_MAX_DATABASE_SIZE`) cannot give; that is "storage full", not an internal error.
extension DatabaseError: StorageFailure {
    public var storageFull: StewardError? {
        guard resultCode == .SQLITE_FULL else { return nil }
        return .storageFull(
            "Storage full: the database cannot grow (the disk is full, or the database reached its size limit "
                + "STEWARD_MAX_DATABASE_SIZE); nothing more is stored until space is freed. Reading still works")
    }
}
