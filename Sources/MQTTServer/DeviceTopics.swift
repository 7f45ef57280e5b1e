/// ThingsBoard's MQTT topic names (`MqttTopics.java`), matched by exact string.
enum DeviceTopics {
    static let telemetry = "v1/devices/me/telemetry"
    static let attributes = "v1/devices/me/attributes"
    static let attributesRequestPrefix = "v1/devices/me/attributes/request/"
    static let attributesResponsePrefix = "v1/devices/me/attributes/response/"
    static let attributesResponseFilter = "v1/devices/me/attributes/response/+"
    static let rpcRequestPrefix = "v1/devices/me/rpc/request/"
    static let rpcRequestFilter = "v1/devices/me/rpc/request/+"
    static let rpcResponsePrefix = "v1/devices/me/rpc/response/"
    static let rpcResponseFilter = "v1/devices/me/rpc/response/+"
    static let claim = "v1/devices/me/claim"
    static let provisionRequest = "/provision/request"
    static let provisionResponse = "/provision/response"

    /// Filters a device session may subscribe to; anything else gets a SUBACK failure code.
    static let deviceFilters: Set<String> = [
        attributes, attributesResponseFilter, rpcRequestFilter, rpcResponseFilter,
        "v2/fw/response/+/chunk/+", "v2/fw/error", "v2/sw/response/+/chunk/+", "v2/sw/error",
    ]

    /// Topics that carry a request id after one of the request/response prefixes.
    static func hasRequestPrefix(_ topic: String) -> Bool {
        topic.hasPrefix(attributesRequestPrefix) || topic.hasPrefix(rpcRequestPrefix) || topic.hasPrefix(rpcResponsePrefix)
    }

    /// The `{int}` suffix after `prefix`, parsed as a Java `int` like ThingsBoard does.
    static func requestID(_ topic: String, prefix: String) -> Int32? {
        guard topic.hasPrefix(prefix) else { return nil }
        return Int32(topic.dropFirst(prefix.utf8.count))
    }
}

/// MQTT reason codes and 3.1.1 return codes Steward sends.
enum ReasonCode {
    static let success: UInt8 = 0x00
    static let v3NotAuthorized: UInt8 = 0x05
    static let v3IdentifierRejected: UInt8 = 0x02
    static let v3ServerUnavailable: UInt8 = 0x03
    static let v3UnacceptableProtocol: UInt8 = 0x01
    static let v3SubscribeFailure: UInt8 = 0x80
    static let unspecifiedError: UInt8 = 0x80
    static let malformedPacket: UInt8 = 0x81
    static let protocolError: UInt8 = 0x82
    static let implementationSpecificError: UInt8 = 0x83
    static let unsupportedProtocolVersion: UInt8 = 0x84
    static let clientIdentifierNotValid: UInt8 = 0x85
    static let badUsernameOrPassword: UInt8 = 0x86
    static let notAuthorized: UInt8 = 0x87
    static let serverUnavailable: UInt8 = 0x88
    static let keepAliveTimeout: UInt8 = 0x8D
    static let topicFilterInvalid: UInt8 = 0x8F
    static let topicNameInvalid: UInt8 = 0x90
    static let noSubscriptionExisted: UInt8 = 0x11
    static let packetTooLarge: UInt8 = 0x95
    static let quotaExceeded: UInt8 = 0x97
    static let administrativeAction: UInt8 = 0x98
    static let payloadFormatInvalid: UInt8 = 0x99
    static let qosNotSupported: UInt8 = 0x9B
    static let maximumConnectTime: UInt8 = 0xA0
}
