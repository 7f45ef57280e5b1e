import Logging
import MQTTCore
import NIOCore
import StewardCore
import StewardDevices

/// One device connection: carries out what its `MQTTSessionStateMachine` decides, and what the
/// `ThingsBoardDialect` says each PUBLISH means.
///
/// Runs on its channel's event loop only. Work that leaves the loop (authentication, the group commit, store reads)
/// comes back through `NIOLoopBound` and completes an acknowledgement slot of the machine, so PUBACKs leave in the
/// order the PUBLISHes arrived, each only after its reading is committed.
final class MQTTConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = MQTTPacket
    typealias OutboundOut = ByteBuffer
    typealias StateMachine = MQTTSessionStateMachine<ThingsBoardPrincipal>

    let dialect: ThingsBoardDialect
    let configuration: MQTTServerConfiguration
    var logger: Logger
    /// The listener's connection limits and this connection's id there, told when CONNECT arrives and when the
    /// device authenticates.
    let limiter: ConnectionLimiter?
    let ticket: UInt64

    var context: ChannelHandlerContext?
    var machine: StateMachine
    var subscriptions = ThingsBoardSubscriptions()
    var outgoing = OutgoingPublishes()
    /// The hub's handle on this session, once a device is accepted.
    var sink: MQTTSessionSink?
    /// The CONNECT deadline; for a provisioning session, the close a minute after answering.
    var closeTimer: Scheduled<Void>?
    var keepAliveTimer: Scheduled<Void>?
    /// Ends a provisioning session after `provisioningSessionSeconds`, whatever it does meanwhile.
    var lifetimeTimer: Scheduled<Void>?

    init(
        api: any ThingsBoardDeviceAPI, configuration: MQTTServerConfiguration, logger: Logger,
        limiter: ConnectionLimiter? = nil, ticket: UInt64 = 0
    ) {
        self.dialect = ThingsBoardDialect(api: api)
        self.configuration = configuration
        self.logger = logger
        self.limiter = limiter
        self.ticket = ticket
        self.machine = StateMachine(configuration: .init(configuration), now: .now())
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
        machine.channelClosed()
        tearDown()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        perform(machine.packetReceived(unwrapInboundIn(data), now: .now()))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let decodeError = error as? MQTTDecodeError else {
            logger.debug("MQTT connection error", metadata: ["error": "\(error)"])
            return perform(machine.close())
        }
        logger.info("Refused malformed MQTT input", metadata: ["reason": "\(decodeError.description)"])
        perform(machine.decodeFailed(decodeError))
    }

    // MARK: Actions

    func perform(_ action: StateMachine.ReadAction) {
        switch action {
        case .none:
            break
        case .authenticate(let connect):
            limiter?.connectReceived(ticket)
            authenticate(connect)
        case .publish(let publish, .device(let device)):
            publishFromDevice(publish, device: device)
        case .publish(let publish, .provisioning):
            publishFromProvisioning(publish)
        case .subscribe(let subscribe, let principal):
            self.subscribe(subscribe, principal: principal)
        case .unsubscribe(let unsubscribe, let principal):
            self.unsubscribe(unsubscribe, principal: principal)
        case .delivered(let packetID):
            outgoing.acknowledged(packetID)?()
        case .pong:
            send(.pingresp)
        case .close(let close):
            perform(close)
        }
    }

    func perform(_ action: StateMachine.CloseAction) {
        switch action {
        case .none:
            return
        case .closeNow:
            tearDown()
            context?.close(promise: nil)
        case .closeAfterWriting(let packet, let version):
            guard let context else { return }
            tearDown()
            if let packet { write(packet, version: version) }
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(channel.allocator.buffer(capacity: 0))).whenComplete { _ in
                channel.close(promise: nil)
            }
        }
    }

    /// Ends the session with `reason` (a DISCONNECT saying so on MQTT 5).
    func disconnect(_ reason: UInt8) {
        perform(machine.disconnect(reason))
    }

    // MARK: Connect

    func authenticate(_ connect: MQTTConnect) {
        logger[metadataKey: "client"] = "\(connect.clientID)"
        switch ThingsBoardDialect.credentials(of: connect) {
        case .provisioning:
            limiter?.provisioningStarted(ticket)
            accept(.provisioning)
            startProvisioningLifetime()
        case .refused(let v5, let v3):
            perform(machine.refuse(v5: v5, v3: v3))
        case .token(let token):
            let bound = loopBound
            let eventLoop = context!.eventLoop
            let api = dialect.api
            Task {
                let result: Result<Device?, any Error>
                do {
                    result = .success(try await api.authenticate(token: token))
                } catch {
                    result = .failure(error)
                }
                eventLoop.execute { bound.value.finishAuthentication(result) }
            }
        }
    }

    func finishAuthentication(_ result: Result<Device?, any Error>) {
        switch result {
        case .failure(let error):
            logger.error("Device authentication failed", metadata: ["error": "\(error)"])
            perform(machine.refuse(v5: MQTTReasonCode.serverUnavailable, v3: MQTTReasonCode.v3ServerUnavailable))
        case .success(nil):
            perform(machine.refuse(v5: MQTTReasonCode.badUsernameOrPassword, v3: MQTTReasonCode.v3NotAuthorized))
        case .success(let device?):
            accept(.device(device))
        }
    }

    /// Accepts the session: registers a device with the limiter and the hub, sends CONNACK, starts the keep-alive,
    /// then handles whatever arrived while CONNECT was being checked.
    func accept(_ principal: ThingsBoardPrincipal) {
        guard case .sendConnAck(let connAck, let keepAliveCheck) = machine.accept(principal, now: .now()),
            let context
        else { return }
        if case .device(let device) = principal {
            limiter?.authenticated(ticket)
            logger[metadataKey: "device"] = "\(device.id)"
            let sink = MQTTSessionSink(device: device.id, handler: loopBound, eventLoop: context.eventLoop)
            self.sink = sink
            dialect.api.hub.attach(device.id, sink)
        }
        send(.connack(connAck))
        closeTimer?.cancel()
        closeTimer = nil
        if let keepAliveCheck { scheduleKeepAliveCheck(at: keepAliveCheck) }
        while let action = machine.nextQueuedPacket() {
            perform(action)
        }
    }

    // MARK: Writing

    func write(_ packet: MQTTPacket, version: MQTTProtocolVersion? = nil) {
        guard let context else { return }
        var buffer = context.channel.allocator.buffer(capacity: 64)
        packet.write(to: &buffer, version: version ?? machine.version)
        context.write(wrapOutboundOut(buffer), promise: nil)
    }

    func send(_ packet: MQTTPacket) {
        write(packet)
        context?.flush()
    }

    func setReading(_ on: Bool) {
        guard let context else { return }
        try? context.channel.syncOptions?.setOption(.autoRead, value: on)
        if on { context.read() }
    }

    // MARK: Ending

    /// Releases what the session holds outside itself: the hub registration, timers, delivery callbacks.
    func tearDown() {
        if let sink {
            dialect.api.hub.detach(sink.device, sink)
        }
        sink = nil
        keepAliveTimer?.cancel()
        closeTimer?.cancel()
        lifetimeTimer?.cancel()
        keepAliveTimer = nil
        closeTimer = nil
        lifetimeTimer = nil
        outgoing.removeAll()
    }
}
