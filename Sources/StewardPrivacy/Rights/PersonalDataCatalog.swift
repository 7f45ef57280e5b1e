/// What each kind of record held about a person is, which data categories it carries and where it came from: the
/// one description the access report, the export's README and the erasure receipt all read (promises TM-17, TM-3).
public enum PersonalDataCatalog {
    public struct Entry: Sendable {
        public var name: String
        public var title: String
        public var description: String
        public var categories: [String]
        /// Where the data came from (promise TM-3); the profile's own `source` column refines it per account.
        public var source: String
        /// Column → meaning.
        public var columns: [String: String]
    }

    public static let entries: [Entry] = [
        Entry(
            name: "profile", title: "Your account and profile",
            description: "The account you sign in with: name, email, optional company and phone, country, age-gate outcome, status and where the account came from.",
            categories: [
                "user.name", "user.contact.email", "user.contact.phone_number", "user.account.company", "user.account.jurisdiction",
                "user.account.age_gate", "user.childrens.parent_email",
            ],
            source: "you, or the administrator who created the account (see the source column)",
            columns: [
                "account_id": "Your account id", "email": "Email address you sign in with", "first_name": "First name",
                "last_name": "Last name", "company": "Company (optional)", "phone": "Phone (optional)",
                "authority": "Your role", "tenant": "The organisation the account belongs to",
                "country": "Country given at sign-up (sets the age of consent and request deadlines)",
                "age_basis": "How the age gate was passed (no birth date is kept)",
                "parent_email": "A parent's email, for an account below the age of digital consent",
                "status": "active, disabled (deactivated) or awaiting confirmation", "created_time": "When the account was created (Unix ms)",
                "email_verified_time": "When the email address was confirmed (Unix ms)", "second_factor": "totp or email, if set",
                "has_picture": "1 if a profile picture is stored (included as a file)", "source": "Where the account came from",
            ]),
        Entry(
            name: "consents", title: "Consent choices", description: "Every consent given, refused, withdrawn or expired, with the policy version and notice shown.",
            categories: ["user.privacy_preferences"], source: "you (forms, cookie banner, unsubscribe links) and your browser's GPC/DNT signals",
            columns: [
                "time": "When (Unix ms)", "purpose": "The purpose", "state": "given, refused, withdrawn or expired",
                "method": "How the choice was made", "policy_version": "Policy version in force", "notice_hash": "SHA-256 of the notice text shown",
                "client": "Browser or client", "network": "Network prefix (host part removed)",
            ]),
        Entry(
            name: "policy_agreements", title: "Policy agreements", description: "Each privacy policy version you agreed to.",
            categories: ["user.privacy_preferences"], source: "you",
            columns: ["time": "When (Unix ms)", "policy_version": "Version", "method": "How", "ip": "IP address", "client": "Browser or client"]),
        Entry(
            name: "sign_ins", title: "Sign-in records", description: "Each sign-in attempt with your address or account: outcome and whether the place was new.",
            categories: ["user.account.sign_in_history", "user.device.ip_address", "user.device.client"], source: "the platform, when you signed in",
            columns: [
                "time": "When (Unix ms)", "email": "Email entered", "outcome": "success, wrong password, locked…",
                "new_place": "1 if the network or client was new", "ip": "IP address", "client": "Browser or client",
            ]),
        Entry(
            name: "sessions", title: "Sessions", description: "Signed-in browser sessions and API logins (the secrets themselves are not kept).",
            categories: ["user.authorization.session", "user.device.ip_address", "user.device.client"], source: "the platform, when you signed in",
            columns: [
                "id": "Session id", "kind": "web or api", "stage": "complete or waiting for the second factor", "created_time": "Start (Unix ms)",
                "last_seen_time": "Last activity (Unix ms)", "expires_time": "Expiry (Unix ms)", "revoked_time": "When ended (Unix ms)",
                "ip": "IP address", "client": "Browser or client",
            ]),
        Entry(
            name: "api_keys", title: "API keys", description: "Your application keys: metadata only; the secrets are never stored.",
            categories: ["user.authorization.api_key"], source: "you",
            columns: [
                "id": "Key id", "prefix": "Visible prefix", "name": "Name you gave", "role": "full or read-only", "created_time": "Created (Unix ms)",
                "last_used_time": "Last use (Unix ms)", "last_used_ip": "IP of last use", "revoked_time": "Revoked (Unix ms)",
            ]),
        Entry(
            name: "audit", title: "Audit entries about you", description: "Security events and changes made by you or concerning you, including every read of your data by someone else.",
            categories: ["system.audit", "user.device.ip_address"], source: "the platform",
            columns: [
                "seq": "Entry number in the tamper-evident chain", "time": "When (Unix ms)", "event": "What happened", "detail": "Details",
                "credential": "Session or key used", "ip": "IP address", "by_you": "1 if you did it", "about_you": "1 if it concerns you",
            ]),
        Entry(
            name: "usage", title: "Usage records", description: "Every API call that changed something, made with your sessions or keys (promise MB-9).",
            categories: ["system.audit", "user.device.ip_address"], source: "the platform, when your programs called the API",
            columns: ["time": "When (Unix ms)", "credential": "Session or key used", "detail": "Method, path and outcome", "ip": "IP address"]),
        Entry(
            name: "mail", title: "Mail to you", description: "Mail sent or waiting to be sent to your address (texts are deleted once delivered).",
            categories: ["user.communication.mail"], source: "the platform",
            columns: [
                "created_time": "Queued (Unix ms)", "subject": "Subject", "sent_time": "Delivered (Unix ms)", "attempts": "Failed attempts",
                "last_error": "Last delivery error",
            ]),
        Entry(
            name: "diagnostics", title: "Diagnostic records you quoted",
            description: "Request and error records are kept without any account, device or full address (promise MS-4). One you quoted by its reference in a request or complaint is linked to you and becomes your data (MS-5).",
            categories: ["user.diagnostics"], source: "the platform, when your browser or app made the request",
            columns: [
                "reference": "The reference shown with the error (d-…)", "time": "When (Unix ms)", "method": "HTTP method",
                "route": "The page or API route (its pattern, without ids)", "status": "HTTP status of the answer",
                "duration_ms": "How long the answer took (ms)", "browser": "Browser family", "os": "Operating system family",
                "app_version": "App version the client sent", "network": "Network prefix (host part removed)",
                "linked_time": "When you quoted it (Unix ms)",
            ]),
        Entry(
            name: "requests", title: "Your requests", description: "Every request about your data: access, export, correction, erasure, restriction, objection; with its deadline and outcome.",
            categories: ["user.privacy_request"], source: "you",
            columns: [
                "id": "Request id", "kind": "What was asked", "status": "open, extended, done, refused…", "source": "How it was made",
                "jurisdiction": "Whose deadline rules apply", "received_time": "Received (Unix ms)", "due_time": "Due (Unix ms)",
                "extended_due_time": "Due after an extension (Unix ms)", "extension_reason": "Why more time was needed",
                "closed_time": "Answered (Unix ms)", "outcome": "What was done, or why not",
            ]),
        Entry(
            name: "disclosures", title: "Disclosures to authorities", description: "Data about you given to an authority because the law or a court required it (hidden only while the law forbids telling you).",
            categories: ["user.disclosure_record"], source: "our staff, recording each disclosure",
            columns: [
                "disclosed_time": "When (Unix ms)", "recipient": "The authority", "categories": "Which data",
                "what": "What exactly", "legal_ground": "The order or law",
            ]),
        Entry(
            name: "devices", title: "Devices that concern you", description: "Devices assigned to you, and the devices of the organisation only you belong to.",
            categories: ["user.device.device_id"], source: "you or your organisation's administrator",
            columns: [
                "device_id": "Device id", "name": "Name", "type": "Type", "profile": "Device profile",
                "assigned_to_you": "1 if assigned to you; 0 if it belongs to your own organisation",
            ]),
        Entry(
            name: "attributes", title: "Device attributes", description: "Attributes of those devices.",
            categories: ["user.telemetry"], source: "your devices and the platform",
            columns: [
                "device_id": "Device id", "scope": "CLIENT_SCOPE, SERVER_SCOPE or SHARED_SCOPE", "key": "Attribute key",
                "last_update_ts": "Last update (Unix ms)", "value": "Value",
            ]),
        Entry(
            name: "telemetry_totals", title: "Totals of deleted readings",
            description: "Hourly and daily totals per device and key kept after the readings themselves were deleted, where the privacy policy says readings are aggregated.",
            categories: ["user.telemetry", "user.sensor.presence", "user.sensor.energy"], source: "your devices, summed by Steward",
            columns: [
                "device_id": "Device id", "key": "Telemetry key", "period": "hour or day", "start": "Start of the hour or day (Unix ms)",
                "count": "Readings in it", "numeric_count": "Readings that were numbers", "sum": "Sum of the numbers",
                "min": "Smallest number", "max": "Largest number",
            ]),
        Entry(
            name: "telemetry", title: "Device readings", description: "Every reading of those devices, with the data category each key falls in.",
            categories: ["user.telemetry", "user.location.precise", "user.health_and_medical", "user.sensor.presence", "user.sensor.energy"],
            source: "your devices",
            columns: [
                "device_id": "Device id", "key": "Telemetry key", "ts": "Time of the reading (Unix ms)", "value": "Value",
                "category": "Data category of the key under the privacy declaration",
            ]),
    ]

    public static func entry(_ name: String) -> Entry? { entries.first { $0.name == name } }
}

/// What the declaration says about one category: the facts a person is owed for each item (Art. 15(1)).
public struct CategoryFacts: Sendable {
    public var category: DataCategory
    public var purposes: [Purpose]
    public var recipients: [Recipient]
    public var retention: RetentionRule?

    public init(_ key: String, in declaration: PrivacyDeclaration) {
        category = declaration.category(key) ?? DataCategory(key: key, name: key, description: "")
        purposes = declaration.purposes.filter { declaration.declares(purpose: $0.key, category: key) }
        recipients = declaration.recipients.filter { recipient in
            recipient.categories.contains { TaxonomyKey.isAncestor($0, of: key) }
        }
        retention = declaration.retentionRule(for: key)
    }

    public var purposeText: String {
        purposes.map { "\($0.name) (\($0.legalBasis.title))" }.joined(separator: "; ")
    }

    public var recipientText: String {
        recipients.isEmpty ? "no one outside us" : recipients.map { "\($0.name) (\($0.location))" }.joined(separator: "; ")
    }

    public var retentionText: String {
        guard let retention else { return "not declared" }
        var text = "\(Durations.words(retention.period)), then \(retention.then.rawValue)d"
        if let hold = retention.legalHold { text += ". Legal hold: \(hold)" }
        return text
    }
}
