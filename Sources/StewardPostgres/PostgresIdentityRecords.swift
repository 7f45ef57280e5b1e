import Foundation
import StewardCore
import StewardVault
import StewardStore

/// Row decoders of the identity tables: accounts, sessions, API keys, sign-ins, consent, requests, complaints and
/// disclosures, as `SQLiteStore+IdentityReads.swift` and `SQLiteStore+Requests.swift` decode them. Rows holding a
/// contact detail are decoded by the store, which opens the sealed column (`openContact`); the others by plain
/// initialisers; the user part of an account is `PostgresRecords`' `User`.
extension PostgresStore {
    /// The columns of `"user"` an `AccountRecord` needs: the picture itself is left out (it can be large and only
    /// `picture(of:)` returns it), only whether there is one.
    static let accountColumns = """
        id, tenant_id, customer_id, email, authority, first_name, last_name, password_hash, created_time, status,
        email_verified_time, company, phone, picture IS NOT NULL AS has_picture, jurisdiction, age_basis, parent_email,
        second_factor, totp_secret, totp_last_step, locked_until
        """

    /// An account row (selected with `accountColumns`), its email, phone and parent's email opened.
    func accountRecord(_ row: SQLRow) throws -> AccountRecord {
        let user = try User(postgres: row, store: self)
        let details = AccountDetails(
            status: AccountStatus(rawValue: try row["status"]) ?? .disabled, emailVerifiedTime: try row["email_verified_time"],
            company: try row["company"], phone: try openContact(row, "phone", .accountPhone),
            hasPicture: try row["has_picture"], jurisdiction: try row["jurisdiction"], ageBasis: try row["age_basis"],
            parentEmail: try openContact(row, "parent_email", .parentEmail),
            secondFactor: (try row["second_factor"] as String?).flatMap(SecondFactor.init(rawValue:)),
            totpSecret: try row["totp_secret"], totpLastStep: try row["totp_last_step"], lockedUntil: try row["locked_until"])
        return AccountRecord(user: user, details: details, passwordHash: try row["password_hash"])
    }

    /// A sign-in row, its address opened.
    func signInRecord(_ row: SQLRow) throws -> SignInRecord {
        SignInRecord(
            time: try row["time"], email: try openContact(row, "email", .signInEmail) ?? "",
            userID: try PostgresRecords.optionalID(row, "user_id", UserID.init), ip: try row["ip"], clientKey: try row["client_key"],
            client: try row["client"], outcome: SignInRecord.Outcome(rawValue: try row["outcome"]) ?? .wrongPassword,
            newPlace: try row["new_place"])
    }

    /// A data-subject request row, its address opened.
    func requestRecord(_ row: SQLRow) throws -> RequestRecord {
        RequestRecord(
            id: try row["id"], tenantID: try PostgresRecords.optionalID(row, "tenant_id", TenantID.init),
            userID: try PostgresRecords.optionalID(row, "user_id", UserID.init), email: try openContact(row, "email", .requestEmail) ?? "",
            name: try row["name"], kind: RequestKind(rawValue: try row["kind"]) ?? .access, details: try row["details"],
            jurisdiction: try row["jurisdiction"], status: RequestStatus(rawValue: try row["status"]) ?? .open,
            source: RequestSource(rawValue: try row["source"]) ?? .staff, verificationHash: try row["verification_hash"],
            verificationExpires: try row["verification_expires"], receivedTime: try row["received_time"],
            verifiedTime: try row["verified_time"], acknowledgeBy: try row["acknowledge_by"],
            acknowledgedTime: try row["acknowledged_time"], dueTime: try row["due_time"],
            extendedDueTime: try row["extended_due_time"], extensionReason: try row["extension_reason"],
            extensionNotifiedTime: try row["extension_notified_time"], closedTime: try row["closed_time"],
            closedBy: try PostgresRecords.optionalID(row, "closed_by", UserID.init), outcome: try row["outcome"])
    }

    /// A complaint row, its address opened.
    func complaintRecord(_ row: SQLRow) throws -> ComplaintRecord {
        ComplaintRecord(
            id: try row["id"], tenantID: try PostgresRecords.optionalID(row, "tenant_id", TenantID.init),
            userID: try PostgresRecords.optionalID(row, "user_id", UserID.init), name: try row["name"],
            email: try openContact(row, "email", .complaintEmail) ?? "", text: try row["text"],
            receivedTime: try row["received_time"])
    }

    /// A list column, stored as a JSON array of strings (as on SQLite), read whole.
    static func storedList(_ text: String) -> [String] {
        guard case .array(let items)? = try? JSONParser.parse(Array(text.utf8)) else { return [] }
        return items.compactMap(\.stringValue)
    }
}

extension OneTimeToken {
    init(row: SQLRow) throws {
        self.init(
            hash: try row["hash"], userID: try PostgresRecords.id(row, "user_id", UserID.init),
            purpose: TokenPurpose(rawValue: try row["purpose"]) ?? .signInCode, createdTime: try row["created_time"],
            expiresTime: try row["expires_time"], usedTime: try row["used_time"], attempts: try row["attempts"])
    }
}

extension Session {
    init(row: SQLRow) throws {
        self.init(
            id: try row["id"], secretHash: try row["secret_hash"], userID: try PostgresRecords.id(row, "user_id", UserID.init),
            kind: Kind(rawValue: try row["kind"]) ?? .web, stage: Stage(rawValue: try row["stage"]) ?? .secondFactor,
            csrfSecret: try row["csrf_secret"], createdTime: try row["created_time"], lastSeenTime: try row["last_seen_time"],
            expiresTime: try row["expires_time"], ip: try row["ip"], client: try row["client"],
            revokedTime: try row["revoked_time"], refreshHash: try row["refresh_hash"])
    }
}

extension APIKeyRecord {
    init(row: SQLRow) throws {
        self.init(
            id: try row["id"], prefix: try row["prefix"], secretHash: try row["secret_hash"],
            userID: try PostgresRecords.id(row, "user_id", UserID.init),
            tenantID: try PostgresRecords.optionalID(row, "tenant_id", TenantID.init), name: try row["name"],
            role: APIKeyRole(rawValue: try row["role"]) ?? .readOnly, createdTime: try row["created_time"],
            lastUsedTime: try row["last_used_time"], lastUsedIP: try row["last_used_ip"], revokedTime: try row["revoked_time"])
    }
}

extension ConsentRecord {
    init(row: SQLRow) throws {
        self.init(
            subject: try row["subject"], purpose: try row["purpose"],
            state: ConsentRecord.State(rawValue: try row["state"]) ?? .refused, policyVersion: try row["policy_version"],
            noticeHash: try row["notice_hash"], method: ConsentRecord.Method(rawValue: try row["method"]) ?? .form,
            time: try row["time"], client: try row["client"], networkPrefix: try row["network"])
    }
}

extension PolicyVersionRecord {
    init(row: SQLRow) throws {
        self.init(
            version: try row["version"], effectiveDate: try row["effective_date"], material: try row["material"],
            narrowsRights: try row["narrows_rights"], summary: try row["summary"],
            rights: PostgresStore.storedList(try row["rights"]), processors: PostgresStore.storedList(try row["processors"]),
            loadedTime: try row["loaded_time"])
    }
}

extension DisclosureRecord {
    init(row: SQLRow) throws {
        self.init(
            id: try row["id"], tenantID: try PostgresRecords.optionalID(row, "tenant_id", TenantID.init),
            userID: try PostgresRecords.id(row, "user_id", UserID.init), recipient: try row["recipient"],
            categories: PostgresStore.storedList(try row["categories"]), what: try row["what"],
            legalGround: try row["legal_ground"], disclosedTime: try row["disclosed_time"],
            recordedTime: try row["recorded_time"], recordedBy: try PostgresRecords.optionalID(row, "recorded_by", UserID.init),
            restrictedUntil: try row["restricted_until"], restrictionReason: try row["restriction_reason"])
    }
}
