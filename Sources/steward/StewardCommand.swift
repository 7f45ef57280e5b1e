import ArgumentParser
import Foundation
import Logging
import StewardServer

@main
struct StewardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "steward",
        abstract: "Steward: a self-hosted IoT platform with ThingsBoard's device API.",
        subcommands: [
            ServeCommand.self, TenantCommand.self, CustomerCommand.self, UserCommand.self, DeviceCommand.self,
            ProfileCommand.self, TelemetryCommand.self, AuditCommand.self, PolicyCommand.self, MailCommand.self, DSRCommand.self, BackupCommand.self, RestoreCommand.self,
            DatabaseCommand.self, RetentionCommand.self, StatisticsCommand.self,
        ])
}

/// Options every administrative command shares.
struct CommonOptions: ParsableArguments {
    @Option(help: "Data directory (env STEWARD_DATA_DIR, default ./steward-data).")
    var dataDir: String?

    @Option(help: "PostgreSQL database URL instead of SQLite in the data directory (env STEWARD_DATABASE_URL).")
    var database: String?

    @Flag(help: "Print one JSON document for scripts instead of text.")
    var json = false

    func configuration() -> ServerConfiguration {
        var configuration = ServerConfiguration()
        configuration.applyEnvironment()
        if let dataDir { configuration.dataDirectory = dataDir }
        if let database { configuration.databaseURL = database }
        return configuration
    }

    func open() async throws -> Steward {
        var logger = Logger(label: "steward.cli")
        logger.logLevel = .warning
        return try await Steward(configuration: configuration(), logger: logger)
    }
}

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Start the MQTT and HTTP servers.")

    @Option(help: "Data directory (env STEWARD_DATA_DIR, default ./steward-data).") var dataDir: String?
    @Option(help: "PostgreSQL database URL, e.g. postgres://steward@db.example/steward?sslmode=verify-full&sslrootcert=ca.pem; the password from the URL, STEWARD_DATABASE_PASSWORD or STEWARD_DATABASE_PASSWORD_FILE (env STEWARD_DATABASE_URL; default: SQLite in the data directory).")
    var database: String?
    @Option(help: "Address to listen on (env STEWARD_HOST, default 0.0.0.0).") var host: String?
    @Option(help: "HTTP port (env STEWARD_HTTP_PORT, default 8080).") var httpPort: Int?
    @Option(help: "MQTT port (env STEWARD_MQTT_PORT, default 1883).") var mqttPort: Int?
    @Option(help: "MQTT over TLS port, used with --tls-cert/--tls-key (env STEWARD_MQTTS_PORT, default 8883).") var mqttsPort: Int?
    @Option(help: "PEM certificate chain; enables MQTT over TLS and HTTPS (env STEWARD_TLS_CERT).") var tlsCert: String?
    @Option(help: "PEM private key for --tls-cert (env STEWARD_TLS_KEY).") var tlsKey: String?
    @Flag(help: "Serve nothing in the clear: no plain MQTT port; needs --tls-cert/--tls-key (env STEWARD_TLS_ONLY).")
    var tlsOnly = false
    @Option(help: "Largest MQTT packet in bytes (env STEWARD_MAX_PACKET_SIZE, default 65536).") var maxPacketSize: Int?
    @Option(help: "full (fsync every commit, default) or normal (survives crashes, not power loss) (env STEWARD_DURABILITY).")
    var durability: String?
    @Option(help: "Address people open the console at, used in mailed links (env STEWARD_PUBLIC_URL).") var publicURL: String?
    @Option(help: "Mail server for account mail (env STEWARD_SMTP_HOST; also STEWARD_SMTP_PORT, _SECURITY, _USER, _PASSWORD, STEWARD_MAIL_FROM).")
    var smtpHost: String?
    @Option(help: "Log level: trace, debug, info, notice, warning, error (env STEWARD_LOG_LEVEL, default info).")
    var logLevel: String?

    func run() async throws {
        var configuration = ServerConfiguration()
        configuration.applyEnvironment()
        if let dataDir { configuration.dataDirectory = dataDir }
        if let database { configuration.databaseURL = database }
        if let host { configuration.host = host }
        if let httpPort { configuration.httpPort = httpPort }
        if let mqttPort { configuration.mqttPort = mqttPort }
        if let mqttsPort { configuration.mqttTLSPort = mqttsPort }
        if let tlsCert { configuration.tlsCertificatePath = tlsCert }
        if let tlsKey { configuration.tlsKeyPath = tlsKey }
        if tlsOnly { configuration.tlsOnly = true }
        if let maxPacketSize { configuration.maximumPacketSize = maxPacketSize }
        if let publicURL { configuration.publicURL = publicURL }
        if let smtpHost { configuration.smtpHost = smtpHost }
        if let durability {
            guard ["full", "normal"].contains(durability) else { throw ValidationError("--durability must be full or normal") }
            configuration.durability = durability
        }
        var logger = Logger(label: "steward")
        let level = logLevel ?? ProcessInfo.processInfo.environment["STEWARD_LOG_LEVEL"] ?? "info"
        logger.logLevel = Logger.Level(rawValue: level) ?? .info
        try await StewardServer(configuration: configuration, logger: logger).run()
    }
}
