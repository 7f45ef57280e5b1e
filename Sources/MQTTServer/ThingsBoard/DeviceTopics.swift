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
