import MQTTCore

/// The topic filters a ThingsBoard session subscribed to, with the QoS granted for each.
///
/// ThingsBoard serves exact filters only (no wildcards of the client's choosing), so a subscription is a
/// dictionary entry; anything outside the allowed set is refused in the SUBACK, the session goes on.
struct ThingsBoardSubscriptions {
    private(set) var granted: [String: MQTTQoS] = [:]

    /// The answer to a SUBSCRIBE, the filters newly added (to register with the hub) and those refused.
    struct SubscribeResult: Equatable {
        var ack: MQTTSubAck
        var added: [String]
        var refused: [String]
    }

    /// Grants each allowed filter at most QoS 1; refuses the others with the version's failure code.
    mutating func subscribe(
        _ subscribe: MQTTSubscribe, allowed: Set<String>, version: MQTTProtocolVersion
    ) -> SubscribeResult {
        var codes: [UInt8] = []
        var added: [String] = []
        var refused: [String] = []
        for subscription in subscribe.subscriptions {
            if allowed.contains(subscription.filter) {
                let qos = min(subscription.qos, .atLeastOnce)
                if granted.updateValue(qos, forKey: subscription.filter) == nil { added.append(subscription.filter) }
                codes.append(qos.rawValue)
            } else {
                refused.append(subscription.filter)
                codes.append(version == .v5 ? MQTTReasonCode.topicFilterInvalid : MQTTReasonCode.v3SubscribeFailure)
            }
        }
        return SubscribeResult(
            ack: MQTTSubAck(packetID: subscribe.packetID, reasonCodes: codes), added: added, refused: refused)
    }

    /// Removes the filters; the UNSUBACK (reason codes on MQTT 5 only) and the filters that were removed.
    mutating func unsubscribe(
        _ unsubscribe: MQTTUnsubscribe, version: MQTTProtocolVersion
    ) -> (ack: MQTTUnsubAck, removed: [String]) {
        var codes: [UInt8] = []
        var removed: [String] = []
        for filter in unsubscribe.filters {
            if granted.removeValue(forKey: filter) != nil {
                codes.append(MQTTReasonCode.success)
                removed.append(filter)
            } else {
                codes.append(MQTTReasonCode.noSubscriptionExisted)
            }
        }
        return (MQTTUnsubAck(packetID: unsubscribe.packetID, reasonCodes: version == .v5 ? codes : []), removed)
    }

    /// The QoS granted for `filter`, nil if the session is not subscribed.
    func qos(for filter: String) -> MQTTQoS? { granted[filter] }

    /// The QoS for a response published on `topic`: the subscription covering it, or ThingsBoard's default of 1
    /// (ThingsBoard answers requests whether or not the device subscribed).
    func responseQoS(for topic: String) -> MQTTQoS {
        if topic.hasPrefix(DeviceTopics.attributesResponsePrefix) {
            return granted[DeviceTopics.attributesResponseFilter] ?? .atLeastOnce
        }
        if topic.hasPrefix(DeviceTopics.rpcResponsePrefix) {
            return granted[DeviceTopics.rpcResponseFilter] ?? .atLeastOnce
        }
        return granted[topic] ?? .atLeastOnce
    }

    mutating func removeAll() { granted = [:] }
}
