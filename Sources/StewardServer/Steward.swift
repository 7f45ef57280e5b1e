import Foundation
import Logging
import NIOSSL
import StewardAuth
import StewardCore
import StewardDevices
import StewardMail
import StewardPrivacy
import StewardStore
import StewardWeb

/// The assembled services over one data directory. The server and every CLI command build this, so both act
/// through the same code and the same invariants.
public struct Steward: Sendable {
    /// Every store, as protocols: which database backend holds them is `StoreBackendFactory`'s business only.
    public let store: any BackendStores
    /// Mail waiting to be sent, in the same database (written in the same transactions as the changes that queue it).
    let mailOutbox: any MailOutboxStore
    public let writer: TelemetryWriter
    /// Whether the last write failed for lack of space; `/api/health` reports it.
    public let storage: StorageStatus
    public let hub: DeviceHub
    public let deviceService: DeviceService
    /// Applies device changes (deletions, new tokens, erasures) to this process's sessions and caches.
    public let deviceChanges: DeviceChangeWatcher
    /// Creating, changing and deleting devices, for every transport.
    public let devices: DeviceManagement
    public let provisioning: ProvisioningService
    public let accounts: AccountService
    public let auth: AuthService
    public let identity: IdentityConfiguration
    /// The privacy declaration the platform enforces and publishes.
    public let privacy: PrivacyDeclaration
    public let signUp: SignUpService
    public let signIn: SignInService
    public let resets: PasswordResetService
    public let mailSender: MailSender?
    /// Request and error records waiting to be written apart from identity (MS-4); the `diagnostics-flush` job and
    /// `close()` write them.
    public let diagnostics = DiagnosticsRecorder()
    /// What the console's device pages show beyond the services: the MQTT port in connection examples, the map tiles.
    let devicePageSettings: DevicePageSettings
    /// The JWT signing key; the console derives its CSRF tokens from it.
    let signingKey: [UInt8]
    public let logger: Logger

    /// Where the data is (`steward.sqlite`'s path, or the PostgreSQL database), for the start-up banner.
    public let databaseLocation: String
    /// Closes the backend's connections; call after the telemetry writer shut down.
    let closeBackend: @Sendable () async -> Void
    /// Writes a sealed, portable backup (see `StoreBackendFactory`).
    let writeBackup: @Sendable (String) async throws -> Int

    public init(configuration: ServerConfiguration, logger: Logger) async throws {
        // Before anything is opened or created: the database holds device tokens, the key files unlock everyone's data.
        try DataDirectory.secure(configuration.dataDirectory, logger: logger)
        let privacy = try Self.declaration(directory: configuration.dataDirectory)
        self.privacy = privacy
        // Shared by the store's write path, the telemetry writer and `/api/health`.
        let storage = StorageStatus { line in logger.error("\(line)") }
        self.storage = storage
        let backend = try await StoreBackendFactory.open(
            configuration, masterKey: try Self.masterKey(configuration),
            auditKey: try Self.secretKey(named: "audit-chain.key", directory: configuration.dataDirectory), storage: storage,
            logger: logger)
        store = backend.stores
        databaseLocation = backend.location
        closeBackend = backend.close
        writeBackup = backend.backup
        mailOutbox = backend.mailOutbox
        writer = TelemetryWriter(store: store, storage: storage)
        hub = DeviceHub(limits: .init(
            maximumPendingPerDevice: configuration.rpcMaximumPendingPerDevice, maximumPendingPerCaller: configuration.rpcMaximumPendingPerCaller))
        deviceService = DeviceService(
            devices: store, attributes: store, telemetry: store, writer: writer, hub: hub,
            limits: SessionLimits(maxPayloadSize: configuration.maximumPacketSize),
            sensitivity: SensitiveKeys(privacy))
        deviceChanges = DeviceChangeWatcher(log: store, hub: hub)
        deviceChanges.followLocalChanges()
        devices = DeviceManagement(devices: store, accounts: store, people: store, changes: deviceChanges)
        provisioning = ProvisioningService(management: devices)
        devicePageSettings = DevicePageSettings(mqttPort: configuration.mqttPort, mapTiles: configuration.mapTiles)
        let hasher = PasswordHasher(cost: configuration.bcryptCost)
        accounts = AccountService(accounts: store, devices: store, hasher: hasher)
        var identity = IdentityConfiguration(publicURL: configuration.effectivePublicURL)
        identity.policyVersion = privacy.version
        identity.requireAdminSecondFactor = configuration.requireAdminSecondFactor
        identity.openSignUp = configuration.openSignUp
        identity.accountMailPerAddress = configuration.accountMailPerAddress
        identity.accountMailPerClient = configuration.accountMailPerClient
        identity.signUpsPerClient = configuration.signUpsPerClient
        self.identity = identity
        signUp = SignUpService(store: store, hasher: hasher, configuration: identity)
        signIn = SignInService(store: store, hasher: hasher, configuration: identity)
        resets = PasswordResetService(store: store, hasher: hasher, configuration: identity)
        signingKey = try Self.secretKey(named: "jwt-signing.key", directory: configuration.dataDirectory)
        auth = AuthService(store: store, signIn: signIn, signer: JWTSigner(secret: signingKey))
        if configuration.smtpHost != nil {
            // Mail hands email addresses to the SMTP provider: it must be a declared recipient (promise TB-7).
            try RecipientRegister(declaration: privacy).requireProcessor(
                for: "service_mail", categories: ["user.contact.email"], what: "Sending mail through \(configuration.smtpHost ?? "")")
        }
        mailSender = try Self.mailSender(configuration, outbox: mailOutbox, logger: logger)
        self.logger = logger
    }

    /// Notices and announces changes of the declaration between runs.
    public var policyChanges: PolicyChangeService {
        PolicyChangeService(store: store, declaration: privacy, publicURL: identity.publicURL)
    }

    /// Access, export, deactivation and erasure over this data directory.
    public var rights: PersonalDataRights {
        let writer = self.writer
        return PersonalDataRights(
            store: store, export: PersonalDataExport(store: store, identity: store, declaration: privacy),
            eraser: AccountEraser(
                store: store, identity: store, declaration: privacy, receiptKey: signingKey,
                flushTelemetry: { try await writer.flush() }),
            deactivation: AccountDeactivation(identity: store, publicURL: identity.publicURL),
            requests: RequestService(store: store, declaration: privacy, publicURL: identity.publicURL),
            disclosures: DisclosureRegister(store: store, declaration: privacy))
    }

    /// Reading and verifying the audit trail.
    public var auditTrail: AuditTrail { AuditTrail(store: store) }

    /// Diagnostics kept apart from identity: linking quoted records, and the retention step that folds them.
    public var diagnosticsService: DiagnosticsService { DiagnosticsService(store: store) }

    /// The declaration's retention periods applied to the stores (the hourly job and `steward retention`).
    public var retention: RetentionService {
        RetentionService(
            store: store, identity: store, declaration: privacy,
            unopened: UnopenedAccountSweeper(store: store, configuration: identity), diagnostics: diagnosticsService)
    }

    /// The declaration's public statistics (promise HA-7): the job `public-statistics` and `steward statistics publish`
    /// release each complete day once; `/stats` and `/stats.json` show what was released.
    public var statistics: PublicStatisticsService { PublicStatisticsService(store: store, declaration: privacy) }

    /// Writes a consistent backup in which each person's data is sealed with their own key; returns how many
    /// people's data it holds: the same SQLite file format whichever backend holds the data, so a backup taken on
    /// SQLite restores into PostgreSQL and back.
    public func backup(to path: String) async throws -> Int {
        try await writeBackup(path)
    }

    /// Commits what the telemetry writer still holds and closes the database connections (the CLI at exit; the server
    /// after its services stopped).
    public func close() async {
        // The last diagnostic records, while the database is still open; a failure here loses only those.
        if (try? await diagnostics.flush(into: store)) == nil {
            logger.warning("Diagnostic records could not be written at shutdown", metadata: ["count": "\(diagnostics.held.events)"])
        }
        writer.shutdown()
        await closeBackend()
    }

    /// News by mail, only with consent, with one-click unsubscribe.
    public var marketing: MarketingMail {
        MarketingMail(store: store, declaration: privacy, publicURL: identity.publicURL, linkKey: signingKey)
    }

    /// A server key (`jwt-signing.key`, `audit-chain.key`): 64 random bytes in a file of the data directory,
    /// outside the database, readable by the owner only, created on first use.
    static func secretKey(named name: String, directory: String) throws -> [UInt8] {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = (directory as NSString).appendingPathComponent(name)
        if let data = FileManager.default.contents(atPath: path), data.count >= 32 { return Array(data) }
        var generator = SystemRandomNumberGenerator()
        let key = (0..<64).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        guard FileManager.default.createFile(atPath: path, contents: Data(key), attributes: [.posixPermissions: 0o600]) else {
            throw StewardError(.internal, "Cannot write the key to \(path); check the data directory's permissions")
        }
        return key
    }

    /// The master key of the per-person key store: `STEWARD_MASTER_KEY_FILE`, else `master.key` in the data directory.
    static func masterKey(_ configuration: ServerConfiguration) throws -> [UInt8] {
        guard let file = configuration.masterKeyFile else {
            return try secretKey(named: "master.key", directory: configuration.dataDirectory)
        }
        guard let data = FileManager.default.contents(atPath: file), data.count >= 32 else {
            throw StewardError.badRequest("STEWARD_MASTER_KEY_FILE \(file) must exist and hold at least 32 bytes")
        }
        return Array(data)
    }

    /// `privacy.yaml` in the data directory, or the bundled default when there is none. An invalid file stops
    /// start-up with every problem and its line: the platform never runs on a declaration it cannot enforce.
    public static func declaration(directory: String) throws -> PrivacyDeclaration {
        let path = (directory as NSString).appendingPathComponent("privacy.yaml")
        guard FileManager.default.fileExists(atPath: path) else { return PrivacyDeclaration.bundledDefault }
        do {
            return try PrivacyDeclaration.load(file: URL(fileURLWithPath: path))
        } catch {
            throw StewardError.badRequest(
                "The privacy declaration \(path) is invalid; fix it (see `steward policy check`) and start again:\n\(error.description)")
        }
    }

    /// The background mail sender, when a mail server is configured.
    static func mailSender(_ configuration: ServerConfiguration, outbox: any MailOutboxStore, logger: Logger) throws -> MailSender? {
        guard let host = configuration.smtpHost else { return nil }
        let security: SMTPConfiguration.Security
        switch configuration.smtpSecurity.lowercased() {
        case "none", "plain": security = .none
        case "starttls": security = .startTLSIfOffered
        case "starttls-required": security = .startTLSRequired
        case "tls", "smtps": security = .implicitTLS
        default:
            throw StewardError.badRequest(
                "STEWARD_SMTP_SECURITY must be none, starttls, starttls-required or tls (got '\(configuration.smtpSecurity)')")
        }
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caFile = configuration.smtpCAFile {
            let extra = try NIOSSLCertificate.fromPEMFile(caFile)
            tls.additionalTrustRoots = [.certificates(extra)]
        }
        let smtp = SMTPConfiguration(
            host: host, port: configuration.smtpPort, security: security, username: configuration.smtpUsername,
            password: configuration.smtpPassword, sender: configuration.mailFrom, senderName: "Steward",
            tlsConfiguration: tls)
        // Mail carries addresses and names: under --tls-only it leaves the machine encrypted or not at all (MS-6). A
        // relay on this machine (a literal loopback address or `localhost`) may take it in the clear and is then
        // responsible for the rest.
        if configuration.tlsOnly, security == .none || security == .startTLSIfOffered, !smtp.hostIsLoopback {
            throw StewardError.badRequest(
                "--tls-only (STEWARD_TLS_ONLY): mail to \(host) could travel in the clear; set STEWARD_SMTP_SECURITY to "
                    + "starttls-required or tls, or relay through a mail server on this machine (127.0.0.1)")
        }
        return MailSender(store: outbox, client: SMTPClient(configuration: smtp), logger: logger)
    }

    /// The web console over these services.
    public func console(secureCookies: Bool) throws -> Console {
        let sender = mailSender
        var console = try Console(
            identity: store, accounts: accounts, deviceService: deviceService, signUp: signUp, signIn: signIn, resets: resets,
            configuration: identity, privacy: privacy, marketing: marketing, rights: rights, csrfKey: signingKey, secureCookies: secureCookies,
            mailQueued: { sender?.wake() })
        console.statistics = statistics
        console.retention = retention
        console.mailWaits = sender == nil
        console.devicePages = DevicePages(management: devices, people: store, settings: devicePageSettings)
        return console
    }

    /// Creates the system administrator on first start. Returns the generated password when none was given, so
    /// it can be shown once.
    public func bootstrapAdministrator(email: String, password: String?) async throws -> (created: Bool, generatedPassword: String?) {
        guard try await store.userCount() == 0 else { return (false, nil) }
        let chosen = password ?? RandomToken.alphanumeric(length: 20)
        _ = try await accounts.createUser(email: email, password: chosen, authority: .systemAdmin, tenant: nil, customer: nil)
        return (true, password == nil ? chosen : nil)
    }
}

extension SensitiveKeys {
    /// The sensitive keys of a privacy declaration: its telemetry mapping, and the categories it classes sensitive.
    convenience init(_ declaration: PrivacyDeclaration) {
        self.init(mapping: declaration.telemetry, isSensitive: { declaration.category($0)?.sensitive ?? false })
    }
}
