import Logging
import MQTTCore
import NIOCore
import StewardCore
import StewardDevices

extension MQTTConnectionHandler {
    func handleDevicePacket(_ packet: MQTTPacket, device: Device) {
        switch packet {
        case .publish(let publish):
            handleDevicePublish(publish, device: device)
        case .subscribe(let subscribe):
            handleSubscribe(subscribe, allowed: DeviceTopics.deviceFilters, device: device)
        case .unsubscribe(let unsubscribe):
            handleUnsubscribe(unsubscribe, device: device)
        case .puback(let ack):
            outgoingInFlight.removeValue(forKey: ack.packetID)?()
        default:
            handleControlPacket(packet)
        }
    }

    /// Packets every phase treats the same way.
    func handleControlPacket(_ packet: MQTTPacket) {
        switch packet {
        case .pingreq:
            send(.pingresp)
        case .disconnect:
            closeNow()
        case .connect:
            disconnect(ReasonCode.protocolError)
        case .pubrec, .pubrel, .pubcomp, .auth:
            // Steward grants QoS 1 at most and offers no enhanced authentication.
            disconnect(ReasonCode.protocolError)
        default:
            disconnect(ReasonCode.protocolError)
        }
    }

    func handleDevicePublish(_ publish: MQTTPublish, device: Device) {
        if publish.qos == .exactlyOnce && version == .v5 { return disconnect(ReasonCode.qosNotSupported) }
        let slot = enqueueAck(packetID: publish.qos == .atMostOnce ? nil : publish.packetID)
        let topic = publish.topic
        let payload = publish.payload
        let bound = loopBound
        let eventLoop = context!.eventLoop
        let service = self.service

        if topic == DeviceTopics.telemetry {
            service.submitTelemetry(device, payload: payload.readableBytesView) { result in
                eventLoop.execute { bound.value.complete(slot, result: result, qos: publish.qos) }
            }
        } else if topic == DeviceTopics.attributes {
            runAsync(slot: slot, qos: publish.qos) {
                try await service.saveClientAttributes(device, payload: payload.readableBytesView)
                return nil
            }
        } else if let requestID = DeviceTopics.requestID(topic, prefix: DeviceTopics.attributesRequestPrefix) {
            runAsync(slot: slot, qos: publish.qos) {
                let keys = try service.parseAttributeRequest(payload.readableBytesView)
                let json = try await service.attributeResponse(device, clientKeys: keys.client, sharedKeys: keys.shared)
                return (DeviceTopics.attributesResponsePrefix + String(requestID), json)
            }
        } else if let requestID = DeviceTopics.requestID(topic, prefix: DeviceTopics.rpcResponsePrefix) {
            service.replyRPC(device, id: Int(requestID), payload: payload.readableBytesView)
            complete(slot, result: .success(()), qos: publish.qos)
        } else if let requestID = DeviceTopics.requestID(topic, prefix: DeviceTopics.rpcRequestPrefix) {
            do {
                let reply = try service.clientRPC(device, payload: payload.readableBytesView)
                complete(slot, outcome: .ack(ReasonCode.success, followUp: (DeviceTopics.rpcResponsePrefix + String(requestID), reply)))
            } catch {
                complete(slot, result: .failure(error), qos: publish.qos)
            }
        } else if topic == DeviceTopics.claim {
            runAsync(slot: slot, qos: publish.qos) {
                try await service.offerClaim(device, payload: payload.readableBytesView)
                return nil
            }
        } else if DeviceTopics.hasRequestPrefix(topic) {
            // ThingsBoard parses the id with Integer.parseInt: a non-integer id is a payload error, not an unknown topic.
            complete(slot, result: .failure(StewardError.badRequest("The request id in '\(topic)' must be an integer")), qos: publish.qos)
        } else {
            logger.debug("PUBLISH to a topic Steward does not serve", metadata: ["topic": "\(topic)"])
            complete(slot, outcome: .ack(version == .v5 ? ReasonCode.topicNameInvalid : ReasonCode.success, followUp: nil))
        }
    }

    /// Runs store work off the event loop and completes `slot` with its result and optional response publish.
    func runAsync(
        slot: Int, qos: MQTTQoS, _ work: @escaping @Sendable () async throws -> (topic: String, payload: String)?
    ) {
        let bound = loopBound
        let eventLoop = context!.eventLoop
        Task {
            let result: Result<(topic: String, payload: String)?, any Error>
            do {
                result = .success(try await work())
            } catch {
                result = .failure(error)
            }
            eventLoop.execute {
                let handler = bound.value
                switch result {
                case .success(let followUp): handler.complete(slot, outcome: .ack(ReasonCode.success, followUp: followUp))
                case .failure(let error): handler.complete(slot, result: .failure(error), qos: qos)
                }
            }
        }
    }

    /// Maps a processing result to ThingsBoard's per-version behaviour: bad payloads get PUBACK 0x99 on MQTT 5
    /// (DISCONNECT 0x99 for QoS 0) and close the connection on 3.1.1; other failures end the session unacknowledged.
    func complete(_ slot: Int, result: Result<Void, any Error>, qos: MQTTQoS) {
        switch result {
        case .success:
            complete(slot, outcome: .ack(ReasonCode.success, followUp: nil))
        case .failure(let error):
            let kind = (error as? StewardError)?.kind
            let isBadPayload = kind == .badRequest
            logger.info("Refused a device publish", metadata: ["reason": "\(error)"])
            if kind == .storageFull || kind == .unavailable {
                // The server cannot store now; MQTT 5 says so in the PUBACK and keeps the session.
                let reason = kind == .storageFull ? ReasonCode.quotaExceeded : ReasonCode.implementationSpecificError
                if version == .v5 && qos != .atMostOnce {
                    complete(slot, outcome: .refuse(reason, reason: "\(error)"))
                } else {
                    complete(slot, outcome: .disconnect(reason))
                }
            } else if isBadPayload {
                if version == .v5 && qos != .atMostOnce {
                    // The reason string says what was wrong, as the HTTP API's 400 body does.
                    complete(slot, outcome: .refuse(ReasonCode.payloadFormatInvalid, reason: "\(error)"))
                } else {
                    complete(slot, outcome: .disconnect(ReasonCode.payloadFormatInvalid))
                }
            } else {
                complete(slot, outcome: .disconnect(ReasonCode.implementationSpecificError))
            }
        }
    }

    func handleSubscribe(_ subscribe: MQTTSubscribe, allowed: Set<String>, device: Device?) {
        var codes: [UInt8] = []
        var added: [String] = []
        for subscription in subscribe.subscriptions {
            if allowed.contains(subscription.filter) {
                let granted = min(subscription.qos, .atLeastOnce)
                if subscriptions.updateValue(granted, forKey: subscription.filter) == nil { added.append(subscription.filter) }
                codes.append(granted.rawValue)
            } else {
                logger.debug("Refused an unsupported subscription", metadata: ["filter": "\(subscription.filter)"])
                codes.append(version == .v5 ? ReasonCode.topicFilterInvalid : ReasonCode.v3SubscribeFailure)
            }
        }
        send(.suback(MQTTSubAck(packetID: subscribe.packetID, reasonCodes: codes)))
        guard let device, let sink else { return }
        for filter in added {
            if filter == DeviceTopics.attributes { service.hub.subscribeAttributes(device.id, sink) }
            if filter == DeviceTopics.rpcRequestFilter { service.hub.subscribeRPC(device.id, sink) }
        }
    }

    func handleUnsubscribe(_ unsubscribe: MQTTUnsubscribe, device: Device?) {
        var codes: [UInt8] = []
        for filter in unsubscribe.filters {
            if subscriptions.removeValue(forKey: filter) != nil {
                codes.append(ReasonCode.success)
                if let device, let sink {
                    if filter == DeviceTopics.attributes { service.hub.unsubscribeAttributes(device.id, sink) }
                    if filter == DeviceTopics.rpcRequestFilter { service.hub.unsubscribeRPC(device.id, sink) }
                }
            } else {
                codes.append(ReasonCode.noSubscriptionExisted)
            }
        }
        send(.unsuback(MQTTUnsubAck(packetID: unsubscribe.packetID, reasonCodes: version == .v5 ? codes : [])))
    }

    // MARK: Provisioning sessions

    func handleProvisioningPacket(_ packet: MQTTPacket) {
        switch packet {
        case .publish(let publish):
            guard publish.topic == DeviceTopics.provisionRequest else {
                if version == .v5 && publish.qos != .atMostOnce, let id = publish.packetID {
                    send(.puback(MQTTAck(packetID: id, reasonCode: ReasonCode.topicNameInvalid)))
                }
                return disconnect(ReasonCode.topicNameInvalid)
            }
            let slot = enqueueAck(packetID: publish.qos == .atMostOnce ? nil : publish.packetID)
            let provisioning = self.provisioning
            let payload = publish.payload
            runAsync(slot: slot, qos: publish.qos) {
                (DeviceTopics.provisionResponse, await provisioning.provision(payload: payload.readableBytesView))
            }
            // ThingsBoard ends provisioning sessions a minute after answering.
            scheduleTimer(in: .seconds(60)) { $0.closeNow() }
        case .subscribe(let subscribe):
            handleSubscribe(subscribe, allowed: [DeviceTopics.provisionResponse], device: nil)
        case .unsubscribe(let unsubscribe):
            handleUnsubscribe(unsubscribe, device: nil)
        case .puback(let ack):
            outgoingInFlight.removeValue(forKey: ack.packetID)?()
        default:
            handleControlPacket(packet)
        }
    }
}
