import StewardCore
import StewardStore

/// A person's own profile: name, company, phone and picture, with the rules each field follows. The console (and any
/// later transport) hands it what the person typed or uploaded; it validates, stores and audits.
public struct ProfileService: Sendable {
    let store: any IdentityStore

    /// The largest picture accepted.
    public static let maximumPictureSize = 512 * 1024

    public init(store: any IdentityStore) {
        self.store = store
    }

    /// Saves name, company and phone after checking them (`FieldRules`), with an audit entry for `credential`.
    public func update(_ user: User, name: String, company: String?, phone: String?, credential: String) async throws {
        let name = try FieldRules.name(name)
        let company = try FieldRules.optional(company, label: "The company", maximum: FieldRules.maximumCompanyLength)
        let phone = try FieldRules.phone(phone)
        try await store.apply([
            .updateProfile(user.id, firstName: name, company: company, phone: phone),
            .audit(
                AuditEvent(
                    time: WallClock.nowMillis(), tenantID: user.tenantID, actorID: user.id, credential: credential,
                    subjectID: user.id, event: "profile.updated")),
        ])
    }

    /// Stores a picture: at most `maximumPictureSize`, a PNG or JPEG judged by its bytes, not by what the browser said.
    public func setPicture(_ user: UserID, bytes: [UInt8]) async throws {
        guard !bytes.isEmpty else { throw StewardError.badRequest("Choose a picture to upload") }
        guard bytes.count <= Self.maximumPictureSize else {
            throw StewardError(.payloadTooLarge, "The picture is larger than \(Self.maximumPictureSize / 1024) KB")
        }
        guard let type = Self.imageType(bytes) else { throw StewardError.badRequest("The picture must be a PNG or JPEG image") }
        try await store.apply([.setPicture(user, bytes: bytes, contentType: type)])
    }

    public func removePicture(_ user: UserID) async throws {
        try await store.apply([.setPicture(user, bytes: nil, contentType: nil)])
    }

    /// The policy versions the person agreed to, newest first.
    public func agreements(of user: UserID) async throws -> [PolicyAgreement] {
        try await store.agreements(of: user)
    }

    public func picture(of user: UserID) async throws -> (bytes: [UInt8], contentType: String)? {
        try await store.picture(of: user)
    }

    /// The image type by its first bytes.
    static func imageType(_ bytes: [UInt8]) -> String? {
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return "image/png" }
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return "image/jpeg" }
        return nil
    }
}
