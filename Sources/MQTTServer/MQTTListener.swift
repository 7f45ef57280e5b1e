import Logging
import MQTTCore
import NIOCore
import NIOPosix
import NIOSSL
import ServiceLifecycle
import StewardDevices

/// The device MQTT listener(s): plain TCP, and TLS when configured. A `Service`, so it starts and stops with
/// the rest of the server.
public final class MQTTListener: Service {
    let configuration: MQTTServerConfiguration
    let service: DeviceService
    let provisioning: ProvisioningService
    let logger: Logger
    let group: any EventLoopGroup
    /// Shared by every listener of this server, so the limits hold across plain and TLS ports.
    public let limiter: ConnectionLimiter

    public init(
        configuration: MQTTServerConfiguration, service: DeviceService, provisioning: ProvisioningService, logger: Logger,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.configuration = configuration
        self.service = service
        self.provisioning = provisioning
        self.logger = logger
        self.group = group
        self.limiter = ConnectionLimiter(policy: configuration.connectionLimits, logger: logger)
    }

    /// Binds the listeners; returns the bound channels so callers can learn the ports.
    public func bind() async throws -> [any Channel] {
        var channels: [any Channel] = configuration.plainListener ? [try await bind(port: configuration.port, tls: nil)] : []
        if let tlsPort = configuration.tlsPort, let tls = configuration.tls {
            let context = try NIOSSLContext(configuration: tls)
            channels.append(try await bind(port: tlsPort, tls: context))
        }
        return channels
    }

    /// Binds, then serves until shutdown.
    public func run() async throws {
        try await BoundMQTTListener(channels: try await bind(), logger: logger).run()
    }

    func bind(port: Int, tls: NIOSSLContext?) async throws -> any Channel {
        let configuration = self.configuration
        // One value for every connection of this listener: what the ThingsBoard dialect calls.
        let api: any ThingsBoardDeviceAPI = ThingsBoardServices(devices: service, provisioning: provisioning)
        let logger = self.logger
        let limiter = self.limiter
        return try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            // Small reads: backpressure (autoRead off) takes effect only between reads, and everything one read
            // brought in is decoded at once. Reads of at most 4 × 16 KiB keep a QoS 0 flood from piling up
            // thousands of parsed readings per connection (measured: 341 MB RSS with 64 KiB × 16 reads).
            .childChannelOption(.maxMessagesPerRead, value: 4)
            .childChannelOption(
                .recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 1_024, maximum: 16_384))
            .childChannelInitializer { channel in
                // Counted and possibly refused before any handler (TLS included) reads from the socket.
                guard let ticket = limiter.admit(channel) else { return channel.eventLoop.makeSucceededVoidFuture() }
                return channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    if let tls { try pipeline.addHandler(NIOSSLServerHandler(context: tls)) }
                    try pipeline.addHandler(
                        ByteToMessageHandler(MQTTPacketDecoder(maximumPacketSize: configuration.maximumPacketSize + 5)))
                    try pipeline.addHandler(
                        MQTTConnectionHandler(
                            api: api, configuration: configuration, logger: logger, limiter: limiter, ticket: ticket))
                }
            }
            .bind(host: configuration.host, port: port)
            .get()
    }
}

/// Listeners that are already bound: binding before the service group starts lets `steward serve` fail fast,
/// and announce readiness only once every port is open.
public struct BoundMQTTListener: Service {
    public let channels: [any Channel]
    let logger: Logger

    public init(channels: [any Channel], logger: Logger) {
        self.channels = channels
        self.logger = logger
    }

    public func run() async throws {
        for channel in channels {
            logger.info("MQTT listening", metadata: ["address": "\(channel.localAddress.map { "\($0)" } ?? "?")"])
        }
        let channels = self.channels
        // Close the listeners on graceful shutdown and on cancellation (another service failed), so the
        // process exits instead of waiting on sockets nobody will close.
        await withTaskCancellationOrGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                for channel in channels {
                    group.addTask { try? await channel.closeFuture.get() }
                }
            }
        } onCancelOrGracefulShutdown: {
            for channel in channels { channel.close(promise: nil) }
        }
    }
}
