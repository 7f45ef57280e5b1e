import Logging
import MQTTCore
import NIOCore
import StewardCore
import StewardDevices

extension MQTTConnectionHandler {
    // MARK: Ordered acknowledgements

    /// Reserves the next acknowledgement slot and returns its sequence number. Stops reading from the socket
    /// while too many are outstanding, so a fast publisher is slowed by TCP instead of filling memory.
    func enqueueAck(packetID: UInt16?) -> Int {
        acks.append(AckSlot(packetID: packetID, outcome: .pending))
        if acks.count >= configuration.maximumPendingAcks, !readingPaused, let context {
            readingPaused = true
            try? context.channel.syncOptions?.setOption(.autoRead, value: false)
        }
        return ackBase + acks.count - 1
    }

    func complete(_ slot: Int, outcome: AckOutcome) {
        let index = slot - ackBase
        guard index >= 0, index < acks.count else { return }
        acks[acks.index(acks.startIndex, offsetBy: index)].outcome = outcome
        scheduleAckFlush()
    }

    /// Sends finished acknowledgements on the next turn of the event loop rather than at once: the completions of
    /// one group commit arrive as a burst of tasks, and they then leave in one write instead of a write each.
    func scheduleAckFlush() {
        guard !ackFlushScheduled, let context else { return }
        ackFlushScheduled = true
        let bound = loopBound
        context.eventLoop.execute {
            let handler = bound.value
            handler.ackFlushScheduled = false
            handler.flushAcks()
        }
    }

    /// Sends every finished acknowledgement at the front of the queue, in arrival order.
    func flushAcks() {
        guard let context else { return }
        var wrote = false
        while let first = acks.first {
            switch first.outcome {
            case .pending:
                break
            case .ack(let reason, let followUp):
                _ = acks.removeFirst()
                ackBase += 1
                if let id = first.packetID {
                    write(.puback(MQTTAck(packetID: id, reasonCode: version == .v5 ? reason : 0)), context: context)
                    wrote = true
                }
                if let followUp {
                    writePublish(topic: followUp.topic, payload: followUp.payload, qos: responseQoS(for: followUp.topic), delivered: nil)
                    wrote = true
                }
                continue
            case .refuse(let reason, let text):
                _ = acks.removeFirst()
                ackBase += 1
                if let id = first.packetID {
                    write(.puback(MQTTAck(packetID: id, reasonCode: reason, properties: [.reasonString(text)])), context: context)
                    wrote = true
                }
                continue
            case .disconnect(let reason):
                acks.removeAll()
                if wrote { context.flush() }
                return disconnect(reason)
            }
            break
        }
        if wrote { context.flush() }
        if readingPaused, acks.count <= configuration.maximumPendingAcks / 2 {
            readingPaused = false
            try? context.channel.syncOptions?.setOption(.autoRead, value: true)
            context.read()
        }
    }

    // MARK: Server → device

    /// The QoS of the device's subscription that covers `topic`, or ThingsBoard's default of 1.
    func responseQoS(for topic: String) -> MQTTQoS {
        if topic.hasPrefix(DeviceTopics.attributesResponsePrefix) {
            return subscriptions[DeviceTopics.attributesResponseFilter] ?? .atLeastOnce
        }
        if topic.hasPrefix(DeviceTopics.rpcResponsePrefix) {
            return subscriptions[DeviceTopics.rpcResponseFilter] ?? .atLeastOnce
        }
        return subscriptions[topic] ?? .atLeastOnce
    }

    /// Pushes to a subscription (shared attributes or RPC); dropped if the device unsubscribed meanwhile.
    func push(topic: String, payload: String, filter: String, delivered: (@Sendable () -> Void)?) {
        guard case .device = phase, let qos = subscriptions[filter], let context else { return }
        writePublish(topic: topic, payload: payload, qos: qos, delivered: delivered)
        context.flush()
    }

    func writePublish(topic: String, payload: String, qos: MQTTQoS, delivered: (@Sendable () -> Void)?) {
        guard let context else { return }
        var packetID: UInt16?
        if qos != .atMostOnce {
            packetID = nextPacketID()
            if let delivered { outgoingInFlight[packetID!] = delivered }
        }
        var body = context.channel.allocator.buffer(capacity: payload.utf8.count)
        body.writeString(payload)
        write(.publish(MQTTPublish(topic: topic, payload: body, qos: qos, packetID: packetID)), context: context)
        if qos == .atMostOnce { delivered?() }
    }

    func nextPacketID() -> UInt16 {
        repeat {
            nextOutgoingID = nextOutgoingID == UInt16.max ? 1 : nextOutgoingID + 1
        } while outgoingInFlight[nextOutgoingID] != nil
        return nextOutgoingID
    }

    func write(_ packet: MQTTPacket, context: ChannelHandlerContext) {
        var buffer = context.channel.allocator.buffer(capacity: 64)
        packet.write(to: &buffer, version: version)
        context.write(wrapOutboundOut(buffer), promise: nil)
    }

    func send(_ packet: MQTTPacket, version override: MQTTProtocolVersion? = nil) {
        guard let context else { return }
        var buffer = context.channel.allocator.buffer(capacity: 64)
        packet.write(to: &buffer, version: override ?? version)
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
    }

    // MARK: Closing

    /// Ends the session: a DISCONNECT with `reason` first on MQTT 5 once CONNECT was accepted.
    func disconnect(_ reason: UInt8) {
        switch phase {
        case .device, .provisioning, .authenticating:
            if version == .v5 { send(.disconnect(MQTTDisconnect(reasonCode: reason))) }
        case .awaitingConnect, .closed:
            break
        }
        closeAfterFlush()
    }

    func closeAfterFlush() {
        guard let context else { return }
        tearDown()
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(channel.allocator.buffer(capacity: 0))).whenComplete { _ in
            channel.close(promise: nil)
        }
    }

    func closeNow() {
        tearDown()
        context?.close(promise: nil)
    }

    func tearDown() {
        if case .device(let device) = phase, let sink {
            service.hub.detach(device.id, sink)
        }
        phase = .closed
        sink = nil
        keepAliveTimer?.cancel()
        closeTimer?.cancel()
        lifetimeTimer?.cancel()
        keepAliveTimer = nil
        closeTimer = nil
        lifetimeTimer = nil
        preConnectQueue = []
        outgoingInFlight = [:]
    }

    // MARK: Timers

    func startConnectTimer() {
        guard closeTimer == nil, case .awaitingConnect = phase else { return }
        scheduleTimer(in: .seconds(configuration.connectTimeoutSeconds)) { handler in
            if case .awaitingConnect = handler.phase { handler.closeNow() }
        }
    }

    /// A provisioning session never authenticates: it gets a fixed lifetime from CONNECT, keep-alive 0 or not, so
    /// such sessions cannot pile up and hold connections (MQTT 5 clients are told why: 0xA0, maximum connect time).
    func startProvisioningLifetime() {
        guard let context else { return }
        let bound = loopBound
        lifetimeTimer = context.eventLoop.assumeIsolated().scheduleTask(in: .seconds(configuration.provisioningSessionSeconds)) {
            let handler = bound.value
            guard case .provisioning = handler.phase else { return }
            handler.logger.debug("Closing a provisioning session at the end of its lifetime")
            handler.disconnect(ReasonCode.maximumConnectTime)
        }
    }

    func scheduleTimer(in delay: TimeAmount, _ action: @escaping (MQTTConnectionHandler) -> Void) {
        guard let context else { return }
        let bound = loopBound
        closeTimer?.cancel()
        closeTimer = context.eventLoop.assumeIsolated().scheduleTask(in: delay) { action(bound.value) }
    }

    /// Disconnects a client that has been silent for 1.5 keep-alive periods (MQTT 3.1.1 §3.1.2.10).
    func scheduleKeepAliveCheck() {
        closeTimer?.cancel()
        closeTimer = nil
        guard let limit = keepAliveLimit, let context else { return }
        let bound = loopBound
        let due = lastActivity + limit
        keepAliveTimer = context.eventLoop.assumeIsolated().scheduleTask(deadline: due) {
            let handler = bound.value
            guard case .closed = handler.phase else {
                if NIODeadline.now() >= handler.lastActivity + limit {
                    handler.logger.info("Closing an MQTT session that missed its keep-alive")
                    handler.disconnect(ReasonCode.keepAliveTimeout)
                } else {
                    handler.scheduleKeepAliveCheck()
                }
                return
            }
        }
    }
}

/// The hub's handle on an MQTT session: hops every push onto the session's event loop.
final class MQTTSessionSink: DeviceSessionSink {
    let handler: NIOLoopBound<MQTTConnectionHandler>
    let eventLoop: any EventLoop

    init(handler: NIOLoopBound<MQTTConnectionHandler>, eventLoop: any EventLoop) {
        self.handler = handler
        self.eventLoop = eventLoop
    }

    func pushAttributeUpdate(_ json: String) {
        let handler = self.handler
        eventLoop.execute {
            handler.value.push(topic: DeviceTopics.attributes, payload: json, filter: DeviceTopics.attributes, delivered: nil)
        }
    }

    func pushRPC(_ request: ServerRPCRequest, delivered: @escaping @Sendable () -> Void) -> Bool {
        let handler = self.handler
        eventLoop.execute {
            handler.value.push(
                topic: DeviceTopics.rpcRequestPrefix + String(request.id), payload: request.json(includeID: false),
                filter: DeviceTopics.rpcRequestFilter, delivered: delivered)
        }
        return true
    }

    func close(reason: String) {
        let handler = self.handler
        eventLoop.execute { handler.value.disconnect(ReasonCode.administrativeAction) }
    }
}
