import NIOCore

/// The last-will message a client registers in CONNECT, published by the server if the client vanishes.
public struct MQTTWill: Sendable, Equatable {
    /// Topic the will is published to; a topic name, so no wildcards.
    public var topic: String
    /// Will payload (a slice of the received CONNECT when decoded).
    public var payload: ByteBuffer
    /// QoS the will is published with.
    public var qos: MQTTQoS
    /// Whether the will is published as a retained message.
    public var retain: Bool
    /// MQTT 5 will properties (Will Delay Interval, Message Expiry, ...); empty on 3.1.1.
    public var properties: MQTTProperties

    /// Defaults to a QoS 0, non-retained will without properties.
    public init(
        topic: String,
        payload: ByteBuffer,
        qos: MQTTQoS = .atMostOnce,
        retain: Bool = false,
        properties: MQTTProperties = []
    ) {
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.retain = retain
        self.properties = properties
    }
}
