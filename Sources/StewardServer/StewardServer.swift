import Foundation
import Hummingbird
import Logging
import MQTTServer
import NIOCore
import NIOSSL
import ServiceLifecycle
import StewardAuth
import StewardCore
import StewardDevices
import StewardJobs
import StewardPrivacy
import StewardStore
import UnixSignals
import StewardWeb

/// `steward serve`: the MQTT listeners and the HTTP application under one service group, stopped gracefully on
/// SIGINT or SIGTERM (queued readings are committed before exit).
public struct StewardServer {
    public let configuration: ServerConfiguration
    public var logger: Logger

    public init(configuration: ServerConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    public func run() async throws {
        if !configuration.invalidSettings.isEmpty {
            throw StewardError.badRequest("Invalid settings: " + configuration.invalidSettings.joined(separator: "; "))
        }
        if WallClock.offsetDays != 0 {
            logger.warning(
                "\(WallClock.offsetVariable)=\(WallClock.offsetDays): Steward's clock runs \(WallClock.offsetDays) days off the real time; every time it records and every retention cutoff moves with it. Use this for tests only")
        }
        let connectionBudget = raiseOpenFileLimit()
        let steward = try await Steward(configuration: configuration, logger: logger)
        // Before anything is served: a new declaration version is recorded and announced, or start-up is refused.
        try await steward.policyChanges.recordLoaded()
        warnAboutPlaceholders(steward.privacy)
        let bootstrap = try await steward.bootstrapAdministrator(email: configuration.adminEmail, password: configuration.adminPassword)
        let tls = try tlsConfiguration()
        if configuration.tlsOnly, tls == nil {
            throw StewardError.badRequest("--tls-only (STEWARD_TLS_ONLY) needs --tls-cert and --tls-key: there would be nothing left to listen on")
        }
        var mqttConfiguration = MQTTServerConfiguration(
            host: configuration.host, port: configuration.mqttPort, tlsPort: tls == nil ? nil : configuration.mqttTLSPort,
            tls: tls, maximumPacketSize: configuration.maximumPacketSize)
        mqttConfiguration.plainListener = !configuration.tlsOnly
        mqttConfiguration.connectTimeoutSeconds = configuration.mqttConnectTimeoutSeconds
        mqttConfiguration.provisioningSessionSeconds = configuration.mqttProvisionLifetimeSeconds
        mqttConfiguration.connectionLimits = try mqttConnectionLimits(budget: connectionBudget)

        let mqtt = MQTTListener(
            configuration: mqttConfiguration,
            service: steward.deviceService, provisioning: steward.provisioning, logger: logger)
        let boundMQTT = BoundMQTTListener(channels: try await mqtt.bind(), logger: logger)
        let router = WebApplication.router(
            auth: steward.auth, accounts: steward.accounts, deviceService: steward.deviceService, provisioning: steward.provisioning,
            console: try steward.console(secureCookies: tls != nil), privacy: steward.privacy, strictTransportSecurity: tls != nil,
            personalData: steward.store, storage: steward.storage, diagnostics: steward.diagnostics)
        // At trace level, every registered route (test_openapi.py compares them with /api/openapi.json).
        for route in router.routes { logger.trace("HTTP route \(route.method) \(route.path)") }
        let scheme = tls == nil ? "http" : "https"
        let configuration = self.configuration
        // ThingsBoard's WebSocket API: one fan-out of the post-commit feed for every session.
        let live = LiveService(
            hub: LiveHub(feed: steward.writer.feed), devices: steward.deviceService,
            scopes: ScopeService(devices: steward.deviceService.devices, accounts: steward.accounts.accounts, identity: steward.auth.store),
            viewLog: LiveAccessLog(people: steward.store, accounts: steward.accounts, identity: steward.auth.store).record)
        // A device that changes hands ends its former customer's live views at once.
        steward.hub.observeAccessChanges { [hub = live.hub] device in hub.accessChanged(device: device) }
        let app = Application(
            router: router,
            server: try httpServer(tls: tls, connectionBudget: connectionBudget, webSocket: LiveSocket(auth: steward.auth, service: live, logger: logger)),
            configuration: .init(address: .hostname(configuration.host, port: configuration.httpPort), serverName: "Steward"),
            onServerRunning: { _ in
                var lines = [
                    "Steward is ready.",
                    "  HTTP  \(scheme)://\(configuration.host):\(configuration.httpPort)  (device API /api/v1, REST /api)",
                ]
                if !configuration.tlsOnly { lines.append("  MQTT  \(configuration.host):\(configuration.mqttPort)") }
                if tls != nil { lines.append("  MQTTS \(configuration.host):\(configuration.mqttTLSPort)") }
                lines.append("  Data  \(steward.databaseLocation)")
                if bootstrap.created {
                    lines.append("  Created the system administrator \(configuration.adminEmail).")
                    if let password = bootstrap.generatedPassword {
                        lines.append("  Its generated password, shown only this once: \(password)")
                    }
                }
                lines.append("  Console \(steward.identity.publicURL)/sign-in")
                if steward.mailSender == nil {
                    lines.append("  Mail  no SMTP server configured (STEWARD_SMTP_HOST): account mail waits in the outbox")
                }
                lines.append("  Sign in: POST \(scheme)://\(configuration.host):\(configuration.httpPort)/api/auth/login as \(configuration.adminEmail)")
                FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
            },
            logger: logger)
        var groupConfiguration = ServiceGroupConfiguration(
            services: [
                .init(service: boundMQTT), .init(service: app), .init(service: LiveHubService(hub: live.hub)),
                .init(service: DeviceChangeService(watcher: steward.deviceChanges, logger: logger)),
                .init(service: JobRunner(jobs: steward.scheduledJobs(logger: logger, retentionInterval: .seconds(configuration.retentionIntervalSeconds)), logger: logger)),
            ] + (steward.mailSender.map { [.init(service: $0)] } ?? [])
                // Last, so it is the first to stop: RPC callers and long polls get their answer before HTTP waits
                // for the requests in flight.
                + [.init(service: DeviceHubShutdown(hub: steward.hub), successTerminationBehavior: .gracefullyShutdownGroup)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger)
        // Whatever still runs after the grace period is cancelled, so SIGTERM always ends the process.
        groupConfiguration.maximumGracefulShutdownDuration = Duration.seconds(configuration.shutdownGraceSeconds)
        let group = ServiceGroup(configuration: groupConfiguration)
        do {
            try await group.run()
        } catch {
            await stop(steward)
            throw error
        }
        await stop(steward)
    }

    /// The bundled declaration names nobody ("CHANGE ME", `example.invalid`): published as it is, people would read
    /// and agree to a policy without a controller to turn to. Start-up goes on (a first try needs no setup), but says
    /// so on every start until the operator's own `privacy.yaml` replaces them.
    func warnAboutPlaceholders(_ privacy: PrivacyDeclaration) {
        let placeholders = privacy.placeholders()
        guard !placeholders.isEmpty else { return }
        let file = (configuration.dataDirectory as NSString).appendingPathComponent("privacy.yaml")
        let fields = placeholders.prefix(4).map(\.path).joined(separator: ", ") + (placeholders.count > 4 ? ", …" : "")
        logger.warning(
            "The published privacy policy (/privacy) still holds \(placeholders.count) placeholder(s) of the bundled declaration (\(fields)): people who sign up agree to it as it is. Put your own details into \(file) (start from Sources/StewardPrivacy/Resources/default-privacy.yaml) and check it with `steward policy check`")
    }

    /// Commits what is queued, closes the database, says so.
    func stop(_ steward: Steward) async {
        await steward.close()
        let statistics = steward.writer.statistics
        logger.info(
            "Telemetry writer stopped", metadata: ["batches": "\(statistics.batches)", "groupCommits": "\(statistics.commits)"])
    }

    /// Raises the open-file limit as far as the system allows and says, once, how many connections it permits.
    func raiseOpenFileLimit() -> Int {
        let limit = OpenFileLimit.raise()
        let connections = OpenFileLimit.connections(for: limit)
        logger.info("Open-file limit \(limit.formatted()): up to ~\(connections.formatted()) connections")
        return connections
    }

    /// The MQTT limits: the configured ones, with the total defaulting to what the open-file limit permits.
    func mqttConnectionLimits(budget: Int) throws -> ConnectionLimits.Policy {
        let maximum = configuration.mqttMaximumConnections ?? budget
        if maximum > budget {
            logger.warning(
                "STEWARD_MQTT_MAX_CONNECTIONS \(maximum) is more than the open-file limit permits (~\(budget)); raise the hard limit (ulimit -Hn, LimitNOFILE=) or lower it")
        }
        let policy = ConnectionLimits.Policy(
            maximumConnections: maximum, maximumUnauthenticated: configuration.mqttMaximumUnauthenticated,
            maximumUnauthenticatedPerAddress: configuration.mqttMaximumUnauthenticatedPerAddress)
        guard policy.unauthenticatedCeiling > 0 else {
            throw StewardError.badRequest(
                "STEWARD_MQTT_MAX_CONNECTIONS \(maximum) leaves no room for connections that have not authenticated yet; allow at least 2")
        }
        return policy
    }

    func tlsConfiguration() throws -> TLSConfiguration? {
        guard let certPath = configuration.tlsCertificatePath, let keyPath = configuration.tlsKeyPath else {
            if configuration.tlsCertificatePath != nil || configuration.tlsKeyPath != nil {
                throw StewardError.badRequest("TLS needs both --tls-cert and --tls-key")
            }
            return nil
        }
        let chain = try NIOSSLCertificate.fromPEMFile(certPath).map { NIOSSLCertificateSource.certificate($0) }
        let key = try NIOSSLPrivateKey(file: keyPath, format: .pem)
        var tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
        tls.minimumTLSVersion = .tlsv12
        return tls
    }
}

/// Ends the hub's waits when graceful shutdown begins: pending server-side RPCs are refused (503) and HTTP long
/// polls answer 408, so neither holds the process open after SIGTERM.
struct DeviceHubShutdown: Service {
    let hub: DeviceHub

    func run() async throws {
        try? await gracefulShutdown()
        hub.shutdown()
    }
}

/// Runs the WebSocket fan-out (`LiveHub`) until graceful shutdown; the sessions themselves close with the HTTP server.
struct LiveHubService: Service {
    let hub: LiveHub

    func run() async throws {
        let fanOut = Task { await hub.run() }
        try? await gracefulShutdown()
        fanOut.cancel()
        await fanOut.value
    }
}
