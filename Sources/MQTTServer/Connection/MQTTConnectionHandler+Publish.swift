import Logging
import MQTTCore
import NIOCore
import StewardCore
import StewardDevices

extension MQTTConnectionHandler {
    // MARK: Inbound PUBLISH

    func publishFromDevice(_ publish: MQTTPublish, device: Device) {
        let slot = reserveAck(for: publish)
        dialect.handle(
            publish, device: device, version: machine.version, logger: logger, completion: completion(slot, publish.qos))
    }

    func publishFromProvisioning(_ publish: MQTTPublish) {
        guard publish.topic == DeviceTopics.provisionRequest else {
            if machine.version == .v5 && publish.qos != .atMostOnce, let id = publish.packetID {
                send(.puback(MQTTAck(packetID: id, reasonCode: MQTTReasonCode.topicNameInvalid)))
            }
            return disconnect(MQTTReasonCode.topicNameInvalid)
        }
        let slot = reserveAck(for: publish)
        dialect.provision(publish, completion: completion(slot, publish.qos))
        closeAfterProvisioningAnswer()
    }

    func reserveAck(for publish: MQTTPublish) -> Int {
        let reservation = machine.reserveAck(packetID: publish.qos == .atMostOnce ? nil : publish.packetID)
        if reservation.stopReading { setReading(false) }
        return reservation.slot
    }

    func completion(_ slot: Int, _ qos: MQTTQoS) -> SessionPublishCompletion {
        SessionPublishCompletion(handler: loopBound, eventLoop: context!.eventLoop, slot: slot, qos: qos)
    }

    // MARK: Ordered acknowledgements

    func completeAck(_ slot: Int, with outcome: AckOutcome) {
        guard machine.completeAck(slot, with: outcome), let context else { return }
        // On the next turn of the loop: the completions of one group commit arrive as a burst of tasks, and then
        // leave in one write instead of a write each.
        let bound = loopBound
        context.eventLoop.execute { bound.value.flushAcks() }
    }

    func completeAck(_ slot: Int, failure error: any Error, qos: MQTTQoS) {
        logger.info("Refused a device publish", metadata: ["reason": "\(error)"])
        completeAck(slot, with: ThingsBoardDialect.outcome(for: error, version: machine.version, qos: qos))
    }

    /// Writes every finished acknowledgement at the front of the queue, in arrival order, with one flush.
    func flushAcks() {
        guard let context else { return }
        var wrote = false
        while true {
            switch machine.nextAck() {
            case .send(let ack, let followUp):
                if let ack {
                    write(.puback(ack))
                    wrote = true
                }
                if let followUp {
                    writePublish(
                        topic: followUp.topic, payload: followUp.payload,
                        qos: subscriptions.responseQoS(for: followUp.topic), delivered: nil)
                    wrote = true
                }
            case .disconnect(let reason):
                if wrote { context.flush() }
                return disconnect(reason)
            case .done(let resumeReading):
                if wrote { context.flush() }
                if resumeReading { setReading(true) }
                return
            }
        }
    }

    // MARK: Subscriptions

    func subscribe(_ subscribe: MQTTSubscribe, principal: ThingsBoardPrincipal) {
        let allowed: Set<String>
        switch principal {
        case .device: allowed = DeviceTopics.deviceFilters
        case .provisioning: allowed = [DeviceTopics.provisionResponse]
        }
        let result = subscriptions.subscribe(subscribe, allowed: allowed, version: machine.version)
        for filter in result.refused {
            logger.debug("Refused an unsupported subscription", metadata: ["filter": "\(filter)"])
        }
        send(.suback(result.ack))
        guard case .device(let device) = principal, let sink else { return }
        for filter in result.added {
            if filter == DeviceTopics.attributes { dialect.api.hub.subscribeAttributes(device.id, sink) }
            if filter == DeviceTopics.rpcRequestFilter { dialect.api.hub.subscribeRPC(device.id, sink) }
        }
    }

    func unsubscribe(_ unsubscribe: MQTTUnsubscribe, principal: ThingsBoardPrincipal) {
        let (ack, removed) = subscriptions.unsubscribe(unsubscribe, version: machine.version)
        if case .device(let device) = principal, let sink {
            for filter in removed {
                if filter == DeviceTopics.attributes { dialect.api.hub.unsubscribeAttributes(device.id, sink) }
                if filter == DeviceTopics.rpcRequestFilter { dialect.api.hub.unsubscribeRPC(device.id, sink) }
            }
        }
        send(.unsuback(ack))
    }

    // MARK: Server → device

    /// Pushes to a subscription (shared attributes or RPC); dropped if the device unsubscribed meanwhile.
    func push(topic: String, payload: String, filter: String, delivered: (@Sendable () -> Void)?) {
        guard case .connected(.device) = machine.state, let qos = subscriptions.qos(for: filter), let context else {
            return
        }
        writePublish(topic: topic, payload: payload, qos: qos, delivered: delivered)
        context.flush()
    }

    func writePublish(topic: String, payload: String, qos: MQTTQoS, delivered: (@Sendable () -> Void)?) {
        guard let context else { return }
        let packetID = qos == .atMostOnce ? nil : outgoing.nextPacketID(onDelivery: delivered)
        var body = context.channel.allocator.buffer(capacity: payload.utf8.count)
        body.writeString(payload)
        write(.publish(MQTTPublish(topic: topic, payload: body, qos: qos, packetID: packetID)))
        if qos == .atMostOnce { delivered?() }
    }
}

/// Brings the end of a PUBLISH's work back to the session's event loop and into its acknowledgement slot.
struct SessionPublishCompletion: PublishCompletion {
    let handler: NIOLoopBound<MQTTConnectionHandler>
    let eventLoop: any EventLoop
    let slot: Int
    let qos: MQTTQoS

    func finish(_ outcome: AckOutcome) {
        if eventLoop.inEventLoop { return handler.value.completeAck(slot, with: outcome) }
        let handler = self.handler
        let slot = self.slot
        eventLoop.execute { handler.value.completeAck(slot, with: outcome) }
    }

    func fail(_ error: any Error) {
        if eventLoop.inEventLoop { return handler.value.completeAck(slot, failure: error, qos: qos) }
        let handler = self.handler
        let slot = self.slot
        let qos = self.qos
        eventLoop.execute { handler.value.completeAck(slot, failure: error, qos: qos) }
    }
}
