import Foundation
import Logging
import StewardCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Keeps the data directory private to the account Steward runs as. The database and its WAL hold device access
/// tokens, the key files unlock every person's data, and backups hold everything: no other local user may read
/// any of them.
public enum DataDirectory {
    /// Sets the process umask to 077, so everything Steward creates from now on (the database, `-wal`, `-shm`,
    /// `keys.sqlite`, key files, backups, exports) is owner-only; creates `directory` as 0700; and takes group and
    /// other permissions away from the directory and everything already in it, logging each file it fixed.
    /// Returns the paths it fixed.
    @discardableResult
    public static func secure(_ directory: String, logger: Logger) throws -> [String] {
        umask(0o077)
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        if !manager.fileExists(atPath: directory, isDirectory: &isDirectory) {
            try manager.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            return []
        }
        guard isDirectory.boolValue else {
            throw StewardError(.internal, "The data directory \(directory) is a file, not a directory; choose another --data-dir")
        }
        var fixed: [String] = []
        if try restrict(directory, logger: logger) { fixed.append(directory) }
        guard let walker = manager.enumerator(atPath: directory) else { return fixed }
        for case let name as String in walker {
            let path = (directory as NSString).appendingPathComponent(name)
            if try restrict(path, logger: logger) { fixed.append(path) }
        }
        return fixed
    }

    /// Removes group and other permission bits from one path (not following symbolic links); true if it had any.
    static func restrict(_ path: String, logger: Logger) throws -> Bool {
        var info = stat()
        guard lstat(path, &info) == 0 else { return false }  // removed meanwhile
        guard (info.st_mode & S_IFMT) != S_IFLNK else { return false }
        let mode = info.st_mode & 0o7777
        guard mode & 0o077 != 0 else { return false }
        let wanted = mode & 0o700
        guard chmod(path, wanted) == 0 else {
            throw StewardError(.internal, 
                "\(path) is readable by other users (mode \(octal(mode))) and could not be made owner-only: "
                    + "\(String(cString: strerror(errno))); run `chmod go-rwx \(path)` as its owner")
        }
        logger.warning("Made \(path) owner-only: its mode was \(octal(mode)), now \(octal(wanted))")
        return true
    }

    static func octal(_ mode: mode_t) -> String { "0" + String(mode, radix: 8) }
}
