import Foundation
import StewardCore
import StewardWeb

/// Everything `steward serve` can be told, from flags or `STEWARD_*` environment variables.
public struct ServerConfiguration: Sendable {
    public var dataDirectory: String = "./steward-data"
    /// A PostgreSQL database (`postgres://user@host:port/db?sslmode=verify-full&sslrootcert=…`) instead of SQLite in
    /// the data directory. The data directory still holds the key files (`master.key`, `keys.sqlite`, …): people's
    /// keys never live in the database.
    public var databaseURL: String?
    public var host: String = "0.0.0.0"
    public var httpPort: Int = 8080
    public var mqttPort: Int = 1883
    public var mqttTLSPort: Int = 8883
    /// PEM certificate chain and private key; when both are set MQTT also listens with TLS and HTTP serves HTTPS.
    public var tlsCertificatePath: String?
    public var tlsKeyPath: String?
    /// With TLS configured, serve nothing in the clear: no plain MQTT listener (HTTP is HTTPS already) (MS-6).
    public var tlsOnly = false
    public var maximumPacketSize: Int = 65_536
    public var adminEmail: String = "admin@steward.local"
    public var adminPassword: String?
    public var bcryptCost: UInt8 = 12
    /// `full` fsyncs every group commit; `normal` survives process crashes but not power loss.
    public var durability: String = "full"
    /// The address people open the console at, used in mailed links. Defaults to this server's HTTP address.
    public var publicURL: String?
    /// The mail server for account mail; without one, mail waits in the outbox until one is configured.
    public var smtpHost: String?
    public var smtpPort: Int = 587
    /// `none`, `starttls` (if offered), `starttls-required` or `tls`.
    public var smtpSecurity: String = "starttls-required"
    public var smtpUsername: String?
    public var smtpPassword: String?
    public var mailFrom: String = "steward@localhost"
    /// A PEM file of extra certificate authorities to trust for the mail server (a private relay's own CA).
    public var smtpCAFile: String?
    /// The master key that wraps every person's key; keep it apart from backups (default: `master.key` in the data
    /// directory, created on first start).
    public var masterKeyFile: String?
    /// Administrators must set up a second factor before using the console.
    public var requireAdminSecondFactor = false
    /// Whether visitors may create accounts (and tenants) on their own.
    public var openSignUp = true
    /// The map tile URL template for device pages (`https://tile.example/{z}/{x}/{y}.png`); nil (the default): no tiles,
    /// so no third party learns where a person's device is; tracks show on a plain background.
    public var mapTiles: String?
    /// Seconds an HTTP request gets to arrive in full once it has begun (slow clients are disconnected).
    public var httpReadTimeoutSeconds: Int64 = HTTPLimits.defaultReadTimeoutSeconds
    /// Seconds an idle keep-alive HTTP connection stays open.
    public var httpIdleTimeoutSeconds: Int64 = HTTPLimits.defaultIdleTimeoutSeconds
    /// HTTP connections at once; nil: a quarter of what the open-file limit permits, at most 4,096.
    public var httpMaximumConnections: Int?
    /// HTTP connections from one client address (IPv4 address or IPv6 /64) at once.
    public var httpMaximumConnectionsPerAddress = HTTPLimits.defaultMaximumConnectionsPerAddress
    /// The most the database (`steward.sqlite`) may grow to, in bytes; nil: as large as the disk allows. When it is
    /// reached, writes are refused as "storage full" (HTTP 507) and `/api/health` says so, reads keep working.
    public var maximumDatabaseSize: Int64?
    /// MQTT connections at once; nil: as many as the open-file limit leaves room for (see `OpenFileLimit`).
    public var mqttMaximumConnections: Int?
    /// MQTT connections that have not authenticated (awaiting CONNECT, authenticating, provisioning) at once;
    /// never more than nine tenths of `mqttMaximumConnections`, the rest being reserved for devices.
    public var mqttMaximumUnauthenticated = 10_000
    /// Unauthenticated MQTT connections from one address (IPv4 address or IPv6 /64) at once.
    public var mqttMaximumUnauthenticatedPerAddress = 256
    /// Seconds a new MQTT connection gets to send CONNECT.
    public var mqttConnectTimeoutSeconds: Int64 = 10
    /// Seconds a `provision` MQTT session may stay open, whatever its keep-alive.
    public var mqttProvisionLifetimeSeconds: Int64 = 60
    /// Seconds between two runs of the retention job (`STEWARD_RETENTION_INTERVAL`).
    public var retentionIntervalSeconds: Int64 = 3_600
    /// Server-side RPCs waiting for one device at once.
    public var rpcMaximumPendingPerDevice = 100
    /// Server-side RPCs one user (all their sessions and keys) has waiting at once.
    public var rpcMaximumPendingPerCaller = 100
    /// Seconds shutdown waits for work in progress after SIGTERM/SIGINT before cancelling it.
    public var shutdownGraceSeconds: Int64 = 10
    /// Environment variables that were set to something unusable; `steward serve` refuses to start and names them.
    public var invalidSettings: [String] = []
    /// Account mails asked for from the public forms per address, and per client, in an hour (see
    /// `IdentityConfiguration`).
    public var accountMailPerAddress = 3
    public var accountMailPerClient = 20
    /// Sign-up forms one client may send in an hour.
    public var signUpsPerClient = 20

    public init() {}

    /// The public URL, or the HTTP address this server listens on.
    public var effectivePublicURL: String {
        if let publicURL { return publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL }
        let scheme = tlsCertificatePath == nil ? "http" : "https"
        let host = host == "0.0.0.0" || host == "::" ? "localhost" : host
        return "\(scheme)://\(host):\(httpPort)"
    }

    /// Applies `STEWARD_*` environment variables; flags given explicitly are applied after and win.
    public mutating func applyEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) {
        if let value = environment["STEWARD_DATA_DIR"] { dataDirectory = value }
        if let value = environment["STEWARD_DATABASE_URL"], !value.isEmpty { databaseURL = value }
        if let value = environment["STEWARD_HOST"] { host = value }
        if let value = environment["STEWARD_HTTP_PORT"].flatMap(Int.init) { httpPort = value }
        if let value = environment["STEWARD_MQTT_PORT"].flatMap(Int.init) { mqttPort = value }
        if let value = environment["STEWARD_MQTTS_PORT"].flatMap(Int.init) { mqttTLSPort = value }
        if let value = environment["STEWARD_TLS_CERT"] { tlsCertificatePath = value }
        if let value = environment["STEWARD_TLS_KEY"] { tlsKeyPath = value }
        if let value = environment["STEWARD_TLS_ONLY"] { tlsOnly = ["1", "true", "yes"].contains(value.lowercased()) }
        if let value = environment["STEWARD_MAX_PACKET_SIZE"].flatMap(Int.init) { maximumPacketSize = value }
        if let value = environment["STEWARD_ADMIN_EMAIL"] { adminEmail = value }
        if let value = environment["STEWARD_ADMIN_PASSWORD"] { adminPassword = value }
        if let value = environment["STEWARD_BCRYPT_COST"].flatMap(UInt8.init) { bcryptCost = value }
        if let value = environment["STEWARD_DURABILITY"] { durability = value }
        if let value = environment["STEWARD_PUBLIC_URL"] { publicURL = value }
        if let value = environment["STEWARD_SMTP_HOST"] { smtpHost = value }
        if let value = environment["STEWARD_SMTP_PORT"].flatMap(Int.init) { smtpPort = value }
        if let value = environment["STEWARD_SMTP_SECURITY"] { smtpSecurity = value }
        if let value = environment["STEWARD_SMTP_USER"] { smtpUsername = value }
        if let value = environment["STEWARD_SMTP_PASSWORD"] { smtpPassword = value }
        if let value = environment["STEWARD_MAIL_FROM"] { mailFrom = value }
        if let value = environment["STEWARD_SMTP_CA_FILE"] { smtpCAFile = value }
        if let value = environment["STEWARD_MASTER_KEY_FILE"] { masterKeyFile = value }
        if let value = environment["STEWARD_REQUIRE_ADMIN_2FA"] { requireAdminSecondFactor = Self.flag(value) }
        if let value = environment["STEWARD_OPEN_SIGNUP"] { openSignUp = Self.flag(value) }
        if let value = environment["STEWARD_MAP_TILES"], !value.isEmpty, value.lowercased() != "none" { mapTiles = value }
        applyStorageAndHTTPEnvironment(environment)
        if let text = environment[WallClock.offsetVariable], WallClock.offsetDays(text) == nil {
            invalidSettings.append("\(WallClock.offsetVariable)=\(text) (expected a whole number of days from -36500 to 36500)")
        }
        if let value = Self.positive(environment, "STEWARD_MQTT_MAX_CONNECTIONS", &invalidSettings) { mqttMaximumConnections = Int(value) }
        if let value = Self.positive(environment, "STEWARD_MQTT_MAX_UNAUTHENTICATED", &invalidSettings) { mqttMaximumUnauthenticated = Int(value) }
        if let value = Self.positive(environment, "STEWARD_MQTT_MAX_UNAUTHENTICATED_PER_ADDRESS", &invalidSettings) { mqttMaximumUnauthenticatedPerAddress = Int(value) }
        if let value = Self.positive(environment, "STEWARD_MQTT_CONNECT_TIMEOUT", &invalidSettings) { mqttConnectTimeoutSeconds = value }
        if let value = Self.positive(environment, "STEWARD_MQTT_PROVISION_LIFETIME", &invalidSettings) { mqttProvisionLifetimeSeconds = value }
        if let value = Self.positive(environment, "STEWARD_RETENTION_INTERVAL", &invalidSettings) { retentionIntervalSeconds = value }
        if let value = Self.positive(environment, "STEWARD_RPC_MAX_PENDING_PER_DEVICE", &invalidSettings) { rpcMaximumPendingPerDevice = Int(value) }
        if let value = Self.positive(environment, "STEWARD_RPC_MAX_PENDING_PER_CALLER", &invalidSettings) { rpcMaximumPendingPerCaller = Int(value) }
        if let value = Self.positive(environment, "STEWARD_SHUTDOWN_GRACE", &invalidSettings) { shutdownGraceSeconds = value }
        if let value = environment["STEWARD_ACCOUNT_MAIL_PER_ADDRESS"].flatMap(Int.init), value > 0 { accountMailPerAddress = value }
        if let value = environment["STEWARD_ACCOUNT_MAIL_PER_CLIENT"].flatMap(Int.init), value > 0 { accountMailPerClient = value }
        if let value = Self.positive(environment, "STEWARD_SIGN_UPS_PER_CLIENT", &invalidSettings) { signUpsPerClient = Int(value) }
    }

    /// Applies a limit that must be a whole number from 1 to 100,000,000; anything else is recorded in
    /// `invalidSettings` rather than silently ignored.
    static func positive(_ environment: [String: String], _ name: String, _ invalid: inout [String]) -> Int64? {
        guard let text = environment[name] else { return nil }
        guard let value = Int64(text.trimmingCharacters(in: .whitespaces)), (1...100_000_000).contains(value) else {
            invalid.append("\(name)=\(text) (expected a whole number from 1 to 100000000)")
            return nil
        }
        return value
    }

    static func flag(_ text: String) -> Bool { ["1", "true", "yes", "on"].contains(text.lowercased()) }
}
