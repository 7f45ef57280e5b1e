import Foundation
import StewardCore
import StewardVault

/// Contact details are data classed sensitive (MS-6): the database holds them only sealed, in `bytea` columns, an
/// account's own with the person's key and addresses kept elsewhere with the service key (the vault's
/// `ContactSealer` decides). Rows are found by the keyed hash of the lower-cased address (`*_hash` columns), which
/// also keeps account addresses unique ignoring case. Reads open them in Swift.
///
/// An empty value is stored as empty bytes and read back as empty; nil as NULL.
extension PostgresStore {
    /// The keyed hash an address is stored and looked up under.
    public func contactHash(_ address: String) -> String {
        sealer.hash(address)
    }

    /// The bytes to store for `value` of `field` (`person`: the account it belongs to).
    func sealContact(_ value: String?, _ field: ContactField, person: UserID? = nil) throws -> [UInt8]? {
        guard let value else { return nil }
        return try sealer.seal(value, in: field, person: person) ?? Array(value.utf8)
    }

    /// The plain text of the contact column `column` of `row`: opened when sealed, an error when its key is missing.
    func openContact(_ row: SQLRow, _ column: String, _ field: ContactField) throws -> String? {
        guard let bytes = try row.bytes(column) else { return nil }
        return try openContact(bytes, field)
    }

    /// Sealed bytes opened; bytes that are not sealed (empty) read as UTF-8 text.
    func openContact(_ bytes: [UInt8], _ field: ContactField) throws -> String {
        guard Sealing.isSealed(bytes) else { return String(decoding: bytes, as: UTF8.self) }
        switch try sealer.open(bytes, in: field) {
        case .text(let text): return text
        case .null: return ""
        case .integer(let i): return String(i)
        case .real(let d): return String(d)
        case .bytes(let b): return String(decoding: b, as: UTF8.self)
        }
    }
}
