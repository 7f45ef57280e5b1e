/// What a device may send, as the built-in `getSessionLimits` RPC reports it. The official SDK sizes its
/// publishes and in-flight window from this answer.
public struct SessionLimits: Sendable {
    public var maxPayloadSize: Int
    public var maxInflightMessages: Int

    public init(maxPayloadSize: Int = 65_536, maxInflightMessages: Int = 100) {
        self.maxPayloadSize = maxPayloadSize
        self.maxInflightMessages = maxInflightMessages
    }

    /// ThingsBoard's shape; `null` rate limits mean "not limited" (the CE default).
    public var json: String {
        """
        {"maxPayloadSize":\(maxPayloadSize),"maxInflightMessages":\(maxInflightMessages),\
        "rateLimits":{"messages":null,"telemetryMessages":null,"telemetryDataPoints":null}}
        """
    }
}
