import StewardCore

/// Every place a contact detail (an address, a phone number) or a text naming people (a queued mail) is kept: the
/// vault's decision of what is sealed at rest (promise MS-6), with whose key, and which values rows are found by.
/// A backend maps each field to its own table and column and stores only what `ContactSealer` hands it.
public enum ContactField: String, Sendable, CaseIterable {
    case accountEmail = "user.email"
    case accountPhone = "user.phone"
    case parentEmail = "user.parent_email"
    case signInEmail = "sign_in.email"
    case mailRecipient = "mail_outbox.recipient"
    case mailText = "mail_outbox.text_body"
    case mailHTML = "mail_outbox.html_body"
    case requestEmail = "dsr_request.email"
    case complaintEmail = "complaint.email"

    /// Binds a sealed value to its place: a value moved to another field does not open. (The names are those of the
    /// first backend's columns, kept so values sealed by earlier versions still open.)
    public var context: String { rawValue }

    /// Whether the value is the account row's own, sealed with that person's key. Records that can outlive the
    /// account they mention (requests and complaints under a legal hold, mail waiting for delivery) are sealed with
    /// the service key and are deleted or pseudonymised by an erasure instead.
    public var isPersonal: Bool {
        switch self {
        case .accountEmail, .accountPhone, .parentEmail: return true
        default: return false
        }
    }

    /// Whether a value is sealed with the key of the person it is about, when the store names one: an account's own
    /// details, and its sign-in attempts, which an erasure deletes and the account's deletion cascades to, so no live
    /// row can outlive the key. A copy an erasure cannot reach (a `pg_dump`, a replica, a copied database file taken
    /// before it) then holds the person's address only as noise once the key is destroyed.
    public var sealsWithPersonKey: Bool {
        isPersonal || self == .signInEmail
    }

    /// Whether rows are found by this value, through its keyed hash (`LookupHash`).
    public var isLookedUp: Bool {
        switch self {
        case .accountEmail, .signInEmail, .mailRecipient, .requestEmail, .complaintEmail: return true
        default: return false
        }
    }
}

/// Seals contact details for storage and opens them again, under the vault's rules: an account's own with the
/// person's key, everything else with the service key; nothing without a key store (no master key), empty stays
/// empty. Backends call it; they never decide what is sealed.
public struct ContactSealer: Sendable {
    public let keys: (any PersonKeys)?
    public let lookup: LookupHash

    public init(keys: (any PersonKeys)?) {
        self.keys = keys
        lookup = LookupHash(keys: keys)
    }

    /// The keyed hash rows holding `address` are found by.
    public func hash(_ address: String) -> String {
        lookup.hash(address)
    }

    /// The sealed bytes of `value` in `field` (`person`: the account it belongs to or is about, when there is one), or
    /// nil when it is stored as it is (no key store, nil or empty).
    public func seal(_ value: String?, in field: ContactField, person: UserID?) throws -> [UInt8]? {
        guard let keys, let value, !value.isEmpty else { return nil }
        let subject = field.sealsWithPersonKey ? (person ?? VaultSubject.service) : VaultSubject.service
        return try Sealing.seal(.text(value), subject: subject.description, context: field.context, key: keys.key(for: subject))
    }

    /// The plain text of a sealed value of `field`. A value whose key is missing is an error, not a silent nil: the row
    /// exists, so the key store or the master key is not the one the data was written with.
    public func open(_ sealed: [UInt8], in field: ContactField) throws -> Sealing.Value {
        guard let keys, let plain = try Sealing.open(sealed, context: field.context, keys: keys) else {
            throw StewardError(
                .internal,
                "A sealed \(field.context) cannot be opened: keys.sqlite or the master key is not the one this database was written with")
        }
        return plain
    }
}
