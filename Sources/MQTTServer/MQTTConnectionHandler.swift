import Logging
import MQTTCore
import NIOCore
import StewardCore
import StewardDevices

/// One device connection: CONNECT and authentication, keep-alive, subscriptions, and the ThingsBoard topics.
///
/// Runs on its channel's event loop only. Work that leaves the loop (the group commit, store reads) comes back
/// through `NIOLoopBound` and completes a slot of `acks`, so PUBACKs always leave in the order the PUBLISHes
/// arrived, and each is sent only after its reading is committed.
final class MQTTConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = MQTTPacket
    typealias OutboundOut = ByteBuffer

    enum Phase {
        case awaitingConnect
        case authenticating
        case device(Device)
        case provisioning
        case closed
    }

    /// What to do when an inbound PUBLISH reaches the front of the acknowledgement queue.
    enum AckOutcome {
        case pending
        /// PUBACK with this reason (a plain PUBACK on 3.1.1), then the optional response publish.
        case ack(UInt8, followUp: (topic: String, payload: String)?)
        /// PUBACK with this failure reason and a reason string saying why (MQTT 5 only).
        case refuse(UInt8, reason: String)
        /// End the session: a DISCONNECT with this reason on MQTT 5, a plain close on 3.1.1.
        case disconnect(UInt8)
    }

    struct AckSlot {
        var packetID: UInt16?
        var outcome: AckOutcome
    }

    let service: DeviceService
    let provisioning: ProvisioningService
    let configuration: MQTTServerConfiguration
    var logger: Logger
    /// The listener's connection limits and this connection's id there, told when CONNECT arrives and when the
    /// device authenticates.
    let limiter: ConnectionLimiter?
    let ticket: UInt64

    var context: ChannelHandlerContext?
    var phase = Phase.awaitingConnect
    var version = MQTTProtocolVersion.v3_1_1
    var keepAliveLimit: TimeAmount?
    var lastActivity = NIODeadline.now()
    var keepAliveTimer: Scheduled<Void>?
    var closeTimer: Scheduled<Void>?
    /// Ends a provisioning session after `provisioningSessionSeconds`, whatever it does meanwhile.
    var lifetimeTimer: Scheduled<Void>?
    var preConnectQueue: [MQTTPacket] = []
    var acks = CircularBuffer<AckSlot>(initialCapacity: 16)
    /// Sequence number of `acks.first`; slots are addressed by sequence so completions can arrive in any order.
    var ackBase = 0
    var readingPaused = false
    var ackFlushScheduled = false
    var subscriptions: [String: MQTTQoS] = [:]
    var nextOutgoingID: UInt16 = 0
    var outgoingInFlight: [UInt16: @Sendable () -> Void] = [:]
    var sink: MQTTSessionSink?

    init(
        service: DeviceService, provisioning: ProvisioningService, configuration: MQTTServerConfiguration, logger: Logger,
        limiter: ConnectionLimiter? = nil, ticket: UInt64 = 0
    ) {
        self.service = service
        self.provisioning = provisioning
        self.configuration = configuration
        self.logger = logger
        self.limiter = limiter
        self.ticket = ticket
    }

    var loopBound: NIOLoopBound<MQTTConnectionHandler> {
        NIOLoopBound(self, eventLoop: context!.eventLoop)
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { startConnectTimer() }
    }

    func channelActive(context: ChannelHandlerContext) {
        startConnectTimer()
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        tearDown()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let packet = unwrapInboundIn(data)
        lastActivity = .now()
        switch phase {
        case .awaitingConnect:
            guard case .connect(let connect) = packet else { return closeNow() }
            limiter?.connectReceived(ticket)
            handleConnect(connect)
        case .authenticating:
            if preConnectQueue.count >= configuration.preConnectQueueLimit {
                return disconnect(ReasonCode.quotaExceeded)
            }
            preConnectQueue.append(packet)
        case .device(let device):
            handleDevicePacket(packet, device: device)
        case .provisioning:
            handleProvisioningPacket(packet)
        case .closed:
            return
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let decodeError = error as? MQTTDecodeError else {
            logger.debug("MQTT connection error", metadata: ["error": "\(error)"])
            return closeNow()
        }
        logger.info("Refused malformed MQTT input", metadata: ["reason": "\(decodeError.description)"])
        switch decodeError {
        case .packetTooLarge: disconnect(ReasonCode.packetTooLarge)
        case .malformedPacket, .malformedRemainingLength: disconnect(ReasonCode.malformedPacket)
        case .protocolViolation: disconnect(ReasonCode.protocolError)
        case .unsupportedProtocol:
            if case .awaitingConnect = phase {
                send(.connack(MQTTConnAck(returnCode: ReasonCode.v3UnacceptableProtocol)), version: .v3_1_1)
            }
            closeAfterFlush()
        }
    }

    // MARK: Connect

    func handleConnect(_ connect: MQTTConnect) {
        version = connect.version
        if connect.keepAliveSeconds > 0 {
            keepAliveLimit = .milliseconds(Int64(Double(connect.keepAliveSeconds) * 1000 * configuration.keepAliveFactor))
        }
        logger[metadataKey: "client"] = "\(connect.clientID)"
        let username = connect.username ?? ""
        if username == "provision" || connect.clientID == "provision" {
            phase = .provisioning
            acceptConnect(connect)
            startProvisioningLifetime()
            return
        }
        let hasPassword = connect.password != nil
        if username.isEmpty {
            if !hasPassword && !connect.clientID.isEmpty {
                return refuseConnect(v5: ReasonCode.clientIdentifierNotValid, v3: ReasonCode.v3IdentifierRejected)
            }
            if !hasPassword {
                return refuseConnect(v5: ReasonCode.notAuthorized, v3: ReasonCode.v3NotAuthorized)
            }
            return refuseConnect(v5: ReasonCode.badUsernameOrPassword, v3: ReasonCode.v3NotAuthorized)
        }
        phase = .authenticating
        let bound = loopBound
        let eventLoop = context!.eventLoop
        let service = self.service
        Task {
            let result: Result<Device?, any Error>
            do {
                result = .success(try await service.authenticate(token: username))
            } catch {
                result = .failure(error)
            }
            eventLoop.execute { bound.value.finishAuthentication(result, connect: connect) }
        }
    }

    func finishAuthentication(_ result: Result<Device?, any Error>, connect: MQTTConnect) {
        guard case .authenticating = phase else { return }
        switch result {
        case .failure(let error):
            logger.error("Device authentication failed", metadata: ["error": "\(error)"])
            refuseConnect(v5: ReasonCode.serverUnavailable, v3: ReasonCode.v3ServerUnavailable)
        case .success(nil):
            refuseConnect(v5: ReasonCode.badUsernameOrPassword, v3: ReasonCode.v3NotAuthorized)
        case .success(let device?):
            phase = .device(device)
            limiter?.authenticated(ticket)
            logger[metadataKey: "device"] = "\(device.id)"
            let sink = MQTTSessionSink(handler: loopBound, eventLoop: context!.eventLoop)
            self.sink = sink
            service.hub.attach(device.id, sink)
            acceptConnect(connect)
            let queued = preConnectQueue
            preConnectQueue = []
            for packet in queued {
                guard case .device = phase else { break }
                handleDevicePacket(packet, device: device)
            }
        }
    }

    func acceptConnect(_ connect: MQTTConnect) {
        var properties = MQTTProperties()
        if version == .v5 {
            properties.append(.maximumPacketSize(UInt32(configuration.maximumPacketSize + 5)))
            properties.append(.maximumQoS(1))
            properties.append(.retainAvailable(0))
            properties.append(.wildcardSubscriptionAvailable(0))
            properties.append(.sharedSubscriptionAvailable(0))
            properties.append(.subscriptionIdentifierAvailable(0))
            if connect.clientID.isEmpty {
                properties.append(.assignedClientIdentifier("steward-" + RandomToken.alphanumeric(length: 12)))
            }
        }
        send(.connack(MQTTConnAck(sessionPresent: false, returnCode: ReasonCode.success, properties: properties)))
        scheduleKeepAliveCheck()
    }

    func refuseConnect(v5: UInt8, v3: UInt8) {
        send(.connack(MQTTConnAck(returnCode: version == .v5 ? v5 : v3)))
        closeAfterFlush()
    }
}
