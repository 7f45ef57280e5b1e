/// One topic filter of a SUBSCRIBE with its subscription options.
public struct MQTTSubscription: Sendable, Equatable {
    /// Topic filter; wildcard syntax is not checked by the codec (see `MQTTTopic.isValidFilter`) so the
    /// server can answer with a per-filter failure code instead of dropping the connection.
    public var filter: String
    /// Maximum QoS the client wants to receive on this subscription.
    public var qos: MQTTQoS
    /// MQTT 5 No Local: don't deliver the client's own publications back to it.
    public var noLocal: Bool
    /// MQTT 5 Retain As Published: keep the retain flag of forwarded messages.
    public var retainAsPublished: Bool
    /// MQTT 5 Retain Handling: 0 = send retained on subscribe, 1 = only if new subscription, 2 = never.
    public var retainHandling: UInt8

    /// Defaults to QoS 0 and the MQTT 5 option defaults (which are also the 3.1.1 behaviour).
    public init(
        filter: String,
        qos: MQTTQoS = .atMostOnce,
        noLocal: Bool = false,
        retainAsPublished: Bool = false,
        retainHandling: UInt8 = 0
    ) {
        self.filter = filter
        self.qos = qos
        self.noLocal = noLocal
        self.retainAsPublished = retainAsPublished
        self.retainHandling = retainHandling
    }

    /// Subscription options byte. 3.1.x only has the QoS bits.
    func optionsByte(version: MQTTProtocolVersion) -> UInt8 {
        var byte = self.qos.rawValue
        guard version.isV5 else { return byte }
        if self.noLocal { byte |= 0x04 }
        if self.retainAsPublished { byte |= 0x08 }
        byte |= (self.retainHandling & 0x03) << 4
        return byte
    }

    /// Decodes a subscription options byte. Reserved bits are Malformed (3.8.3.1 in both specs); QoS 3 is
    /// Malformed on 3.1.1 and a Protocol Error on 5, as is Retain Handling 3.
    static func options(
        _ byte: UInt8,
        filter: String,
        version: MQTTProtocolVersion
    ) throws(MQTTDecodeError) -> MQTTSubscription {
        let reservedMask: UInt8 = version.isV5 ? 0xC0 : 0xFC
        guard byte & reservedMask == 0 else {
            throw .malformedPacket("SUBSCRIBE subscription options reserved bits are set")
        }
        guard let qos = MQTTQoS(rawValue: byte & 0x03) else {
            if version.isV5 { throw .protocolViolation("SUBSCRIBE requested QoS is 3") }
            throw .malformedPacket("SUBSCRIBE requested QoS is 3")
        }
        let retainHandling = (byte >> 4) & 0x03
        guard retainHandling != 3 else { throw .protocolViolation("SUBSCRIBE retain handling is 3") }
        return MQTTSubscription(
            filter: filter,
            qos: qos,
            noLocal: byte & 0x04 != 0,
            retainAsPublished: byte & 0x08 != 0,
            retainHandling: retainHandling
        )
    }
}
