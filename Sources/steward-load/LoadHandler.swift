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

    private enum Phase {
        case connecting, ready, running, draining, finished
    }

    private let settings: LoadSettings
    private let run: LoadRun
    private let index: Int
    private let username: String?
    private let clientID: String

    private var phase = Phase.connecting
    private var context: ChannelHandlerContext?
    private var connectStartedAt: UInt64 = 0
    private var wasActive = false
    private var connectOutcomeReported = false
    private var connackTimer: Scheduled<Void>?

    // Publishing state.
    private var result = ConnectionResult()
    private var startedAt: UInt64 = 0
    private var stopAt: UInt64 = .max
    private var stopped = false
    private var seq: UInt64 = 0
    private var lastTimestamp: Int64 = 0
    /// Free QoS 1 packet identifiers (1...window); `sentAt[id]` is non-zero while `id` is in flight.
    private var freeIDs: [UInt16] = []
    private var sentAt: [UInt64] = []
    private var inflight = 0
    private var fenceID: UInt16 = 0
    private var fenceSentAt: UInt64 = 0
    private var pending: ByteBuffer?
    private var payloadScratch = ByteBuffer()
    private var pumpScheduled = false
    private var lastSendAt: UInt64 = 0
    private var pingTimer: Scheduled<Void>?
    private var tickTimer: Scheduled<Void>?
    private var stopTimer: Scheduled<Void>?

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

    private func reportConnectFailure(_ reason: String) {
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

    // MARK: Publishing

    private func start(startedAt: UInt64, stopAt: UInt64) {
        self.startedAt = startedAt
        self.stopAt = stopAt
        if settings.idle {
            phase = .running
            return
        }
        phase = .running
        let window = settings.qos == .atLeastOnce ? settings.window : 0
        // Packet IDs 1...window for the data, window + 1 for the QoS 0 fence.
        fenceID = UInt16(window + 1)
        sentAt = Array(repeating: 0, count: window + 2)
        freeIDs = (1...max(1, window)).reversed().map { UInt16($0) }
        if window == 0 { freeIDs = [] }
        if stopAt != .max, let context {
            let delay = stopAt > startedAt ? Int64(stopAt - startedAt) : 0
            stopTimer = context.eventLoop.assumeIsolated().scheduleTask(in: .nanoseconds(delay)) { [self] in
                if phase == .running {
                    stopSending()
                    flushPending()
                }
            }
        }
        if settings.rate != nil { scheduleTick() }
        pump()
    }

    /// Number of messages the rate limit allows by `now` (Int.max when unlimited).
    @inline(__always)
    private func rateAllowance(now: UInt64) -> Int {
        guard let rate = settings.rate else { return .max }
        let due = Int(Double(now &- startedAt) * rate / 1e9) + 1
        return due - result.sent
    }

    /// Sends as much as the window, the rate, the budget and the socket allow, then flushes.
    private func pump() {
        fill()
        flushPending()
        // QoS 0 without a rate limit: keep going after the event loop had a chance to read/write.
        if settings.qos == .atMostOnce, phase == .running, settings.rate == nil, !pumpScheduled,
            context?.channel.isWritable == true, let context
        {
            pumpScheduled = true
            context.eventLoop.assumeIsolated().execute { [self] in
                pumpScheduled = false
                if phase == .running { pump() }
            }
        }
    }

    private func fill() {
        guard phase == .running, !stopped, let context else { return }
        let now = monotonicNanos()
        if now >= stopAt {
            stopSending()
            return
        }
        var allowance = rateAllowance(now: now)
        if let budget = settings.messagesPerConnection {
            allowance = min(allowance, budget - result.sent)
        }
        let timestamp = settings.payload.timestamps == .none ? 0 : wallClockMillis()
        if settings.qos == .atLeastOnce {
            while allowance > 0, let id = freeIDs.popLast() {
                appendPublish(id: id, qos: .atLeastOnce, now: now, timestamp: timestamp)
                allowance -= 1
            }
        } else {
            var batch = 0
            let writable = context.channel.isWritable
            while allowance > 0, batch < 128, writable {
                appendPublish(id: nil, qos: .atMostOnce, now: now, timestamp: timestamp)
                allowance -= 1
                batch += 1
            }
        }
        if let budget = settings.messagesPerConnection, result.sent >= budget {
            stopSending()
        }
    }

    private func appendPublish(id: UInt16?, qos: MQTTQoS, now: UInt64, timestamp: Int64) {
        seq &+= 1
        payloadScratch.clear()
        settings.payload.write(seq: seq, timestampMillis: nextTimestamp(timestamp), connection: index, to: &payloadScratch)
        let publish = MQTTPublish(topic: settings.topic, payload: payloadScratch, qos: qos, packetID: id)
        appendPacket(.publish(publish))
        if let id {
            sentAt[Int(id)] = now
            inflight += 1
        }
        result.sent += 1
    }

    /// With `.unique`, never repeats or goes back: max(wall clock, previous + 1).
    @inline(__always)
    private func nextTimestamp(_ wall: Int64) -> Int64 {
        guard settings.payload.timestamps == .unique else { return wall }
        lastTimestamp = max(wall, lastTimestamp &+ 1)
        return lastTimestamp
    }

    private func appendPacket(_ packet: MQTTPacket) {
        if pending == nil, let context {
            pending = context.channel.allocator.buffer(capacity: 4_096)
        }
        packet.write(to: &pending!, version: settings.version)
    }

    private func flushPending(promise: EventLoopPromise<Void>? = nil) {
        guard let buffer = pending, let context else {
            promise?.succeed(())
            return
        }
        pending = nil
        lastSendAt = monotonicNanos()
        context.writeAndFlush(wrapOutboundOut(buffer), promise: promise)
    }

    /// No new data messages from now on. QoS 1 finishes when the window drains; QoS 0 sends the fence.
    private func stopSending() {
        guard !stopped, phase == .running else { return }
        stopped = true
        phase = .draining
        tickTimer?.cancel()
        stopTimer?.cancel()
        if settings.qos == .atMostOnce {
            guard let context else { return finish() }
            // The fence: a QoS 1 publish behind everything sent so far.
            let now = monotonicNanos()
            seq &+= 1
            payloadScratch.clear()
            settings.payload.write(
                seq: seq, timestampMillis: nextTimestamp(wallClockMillis()), connection: index, to: &payloadScratch)
            appendPacket(.publish(MQTTPublish(topic: settings.topic, payload: payloadScratch, qos: .atLeastOnce, packetID: fenceID)))
            fenceSentAt = now
            let promise = context.eventLoop.makePromise(of: Void.self)
            promise.futureResult.assumeIsolated().whenSuccess { [self] _ in
                result.writesDoneAt = monotonicNanos()
            }
            flushPending(promise: promise)
        } else if inflight == 0 {
            finish()
        }
    }

    private func handleAck(_ ack: MQTTAck) {
        let now = monotonicNanos()
        if settings.qos == .atMostOnce {
            guard ack.packetID == fenceID, fenceSentAt != 0, result.fenceAckedAt == 0 else {
                result.unexpectedAcks += 1
                return
            }
            result.fenceAckedAt = now
            result.latenciesMicros.append(UInt32(clamping: (now &- fenceSentAt) / 1_000))
            if ack.reasonCode >= 0x80 { result.rejected += 1 }
            if phase == .draining { finish() }
            return
        }
        let id = Int(ack.packetID)
        guard id < sentAt.count, sentAt[id] != 0 else {
            result.unexpectedAcks += 1
            return
        }
        result.latenciesMicros.append(UInt32(clamping: (now &- sentAt[id]) / 1_000))
        sentAt[id] = 0
        freeIDs.append(UInt16(id))
        inflight -= 1
        result.acked += 1
        if ack.reasonCode >= 0x80 { result.rejected += 1 }
        if phase == .draining {
            if inflight == 0 { finish() }
        } else {
            fill()  // flushed in channelReadComplete
        }
    }

    private func finish() {
        guard phase != .finished, phase != .connecting else { return }
        let wasIdle = settings.idle
        phase = .finished
        flushPending()
        cancelTimers()
        result.finishedAt = monotonicNanos()
        if settings.qos == .atLeastOnce, !wasIdle {
            result.unacked = inflight
        }
        result.stillOpen = context?.channel.isActive ?? false
        run.report(result)
        result.latenciesMicros = []
    }

    // MARK: Timers

    /// Keep-alive: a PINGREQ whenever nothing was sent for half the keep-alive interval.
    private func schedulePing() {
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
    private func scheduleTick() {
        guard let context else { return }
        tickTimer = context.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(5)) { [self] in
            guard phase == .running else { return }
            fill()
            flushPending()
            scheduleTick()
        }
    }

    private func cancelTimers() {
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
