import MQTTCore
import NIOCore

/// One simulated device: sends CONNECT, waits for CONNACK, then on `LoadEvent.start` publishes telemetry.
///
/// QoS 1: at most `window` PUBLISHes are un-acknowledged; every PUBACK releases a packet identifier (1...window)
/// and tops the window up again. Acks read in one socket read are answered with one flush.
/// QoS 0: publishes in batches while the channel is writable; when done, writes one QoS 1 "fence" PUBLISH and
/// finishes when its PUBACK arrives, i.e. once the broker has read everything sent before it.
/// Everything runs on the channel's event loop: no locks, no per-message tasks or allocations beyond the
/// outgoing buffers.
final class LoadHandler: ChannelInboundHandler {
    typealias InboundIn = MQTTPacket
    typealias OutboundOut = ByteBuffer

    enum Phase {
        case connecting, ready, running, draining, finished
    }

    let settings: LoadSettings
    let run: LoadRun
    let index: Int
    let username: String?
    let clientID: String

    var phase = Phase.connecting
    var context: ChannelHandlerContext?
    var connectStartedAt: UInt64 = 0
    var wasActive = false
    var connectOutcomeReported = false
    var connackTimer: Scheduled<Void>?

    // Publishing state.
    var result = ConnectionResult()
    var startedAt: UInt64 = 0
    var stopAt: UInt64 = .max
    var stopped = false
    var seq: UInt64 = 0
    var lastTimestamp: Int64 = 0
    /// Free QoS 1 packet identifiers (1...window); `sentAt[id]` is non-zero while `id` is in flight.
    var freeIDs: [UInt16] = []
    var sentAt: [UInt64] = []
    var inflight = 0
    var fenceID: UInt16 = 0
    var fenceSentAt: UInt64 = 0
    var pending: ByteBuffer?
    var payloadScratch = ByteBuffer()
    var pumpScheduled = false
    var lastSendAt: UInt64 = 0
    var pingTimer: Scheduled<Void>?
    var tickTimer: Scheduled<Void>?
    var stopTimer: Scheduled<Void>?

    init(settings: LoadSettings, run: LoadRun, index: Int, username: String?, clientID: String) {
        self.settings = settings
        self.run = run
        self.index = index
        self.username = username
        self.clientID = clientID
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        self.connectStartedAt = monotonicNanos()
        self.payloadScratch = context.channel.allocator.buffer(capacity: 256)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.cancelTimers()
        self.context = nil
    }

    // MARK: Connection

    func channelActive(context: ChannelHandlerContext) {
        wasActive = true
        let connect = MQTTConnect(
            version: settings.version, clientID: clientID, cleanStart: true,
            keepAliveSeconds: settings.keepAliveSeconds, username: username)
        var buffer = context.channel.allocator.buffer(capacity: 64 + clientID.utf8.count + (username?.utf8.count ?? 0))
        MQTTPacket.connect(connect).write(to: &buffer, version: settings.version)
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
        lastSendAt = monotonicNanos()
        connackTimer = context.eventLoop.assumeIsolated().scheduleTask(in: settings.connackTimeout) { [self] in
            guard phase == .connecting else { return }
            reportConnectFailure("no CONNACK within \(settings.connackTimeout.nanoseconds / 1_000_000_000) s")
            self.context?.close(promise: nil)
        }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        switch phase {
        case .connecting:
            reportConnectFailure("connection closed before CONNACK")
        case .ready, .running, .draining:
            result.disconnected = true
            if result.error == nil { result.error = "connection closed by the server" }
            finish()
        case .finished:
            break
        }
        cancelTimers()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if result.error == nil { result.error = "\(error)" }
        if phase == .connecting {
            reportConnectFailure("\(error)")
        }
        context.close(promise: nil)
    }

    func reportConnectFailure(_ reason: String) {
        guard !connectOutcomeReported, wasActive else { return }
        connectOutcomeReported = true
        phase = .finished
        connackTimer?.cancel()
        run.connectFailed(reason)
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .connack(let connack):
            guard phase == .connecting else { return }
            connackTimer?.cancel()
            if connack.returnCode == 0 {
                phase = .ready
                connectOutcomeReported = true
                run.connected(context.channel, latencyNanos: monotonicNanos() &- connectStartedAt)
                schedulePing()
            } else {
                reportConnectFailure("CONNACK refused with code 0x\(String(connack.returnCode, radix: 16))")
                context.close(promise: nil)
            }
        case .puback(let ack):
            handleAck(ack)
        case .pingresp:
            result.pingResponses += 1
        case .publish(let publish):
            // Not expected (we subscribe to nothing), but acknowledge QoS 1 so the broker is not left waiting.
            if publish.qos == .atLeastOnce, let id = publish.packetID {
                appendPacket(.puback(MQTTAck(packetID: id)))
            }
        case .disconnect(let disconnect):
            if result.error == nil { result.error = "server DISCONNECT reason 0x\(String(disconnect.reasonCode, radix: 16))" }
        default:
            break
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        flushPending()
        context.fireChannelReadComplete()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, phase == .running, settings.qos == .atMostOnce {
            pump()
        }
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard let event = event as? LoadEvent else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        switch event {
        case .start(let startedAt, let stopAt):
            guard phase == .ready else { return }
            start(startedAt: startedAt, stopAt: stopAt)
        case .stop:
            switch phase {
            case .ready:
                finish()
            case .running:
                stopSending()
                flushPending()
            default:
                break
            }
        case .abort:
            if phase == .ready || phase == .running || phase == .draining {
                result.aborted = true
                finish()
            }
        case .close:
            var buffer = context.channel.allocator.buffer(capacity: 4)
            MQTTPacket.disconnect(MQTTDisconnect()).write(to: &buffer, version: settings.version)
            context.writeAndFlush(wrapOutboundOut(buffer)).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
        }
    }

    // MARK: Timers

    /// Keep-alive: a PINGREQ whenever nothing was sent for half the keep-alive interval.
    func schedulePing() {
        guard settings.keepAliveSeconds > 0, let context else { return }
        let half = Int64(settings.keepAliveSeconds) * 500_000_000
        pingTimer = context.eventLoop.assumeIsolated().scheduleTask(in: .nanoseconds(half)) { [self] in
            guard phase != .finished, phase != .connecting, let context = self.context else { return }
            if monotonicNanos() &- lastSendAt >= UInt64(half) - 1_000_000 {
                var buffer = context.channel.allocator.buffer(capacity: 2)
                MQTTPacket.pingreq.write(to: &buffer, version: settings.version)
                context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
                lastSendAt = monotonicNanos()
                result.pingsSent += 1
            }
            schedulePing()
        }
    }

    /// Rate-limited sending: top up every 5 ms.
    func scheduleTick() {
        guard let context else { return }
        tickTimer = context.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(5)) { [self] in
            guard phase == .running else { return }
            fill()
            flushPending()
            scheduleTick()
        }
    }

    func cancelTimers() {
        connackTimer?.cancel()
        pingTimer?.cancel()
        tickTimer?.cancel()
        stopTimer?.cancel()
        connackTimer = nil
        pingTimer = nil
        tickTimer = nil
        stopTimer = nil
    }
}
