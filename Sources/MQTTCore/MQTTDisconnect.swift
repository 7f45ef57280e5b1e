import NIOCore

/// DISCONNECT: orderly shutdown. On 3.1.x it has no body and only the client sends it; on MQTT 5 either
/// side may send it with a reason code.
public struct MQTTDisconnect: Sendable, Equatable {
    /// MQTT 5 reason code (0 = normal disconnection, 4 = disconnect with will message, ...); always 0 on 3.1.x.
    public var reasonCode: UInt8
    /// MQTT 5 properties (session expiry, reason string, server reference, user properties).
    public var properties: MQTTProperties

    /// Defaults to a normal disconnection (reason 0, no properties).
    public init(reasonCode: UInt8 = 0, properties: MQTTProperties = []) {
        self.reasonCode = reasonCode
        self.properties = properties
    }
}

extension MQTTDisconnect: MQTTBodyEncodable {
    /// On MQTT 5 a remaining length of 0 means reason 0; 1 means a reason without properties (3.14.2.1).
    static func parse(from body: inout ByteBuffer, version: MQTTProtocolVersion) throws(MQTTDecodeError) -> MQTTDisconnect {
        guard version.isV5, body.readableBytes > 0 else {
            try body.expectMQTTEnd("DISCONNECT")
            return MQTTDisconnect()
        }
        let reason = body.readInteger(as: UInt8.self)!
        guard body.readableBytes > 0 else { return MQTTDisconnect(reasonCode: reason) }
        let properties = try body.readMQTTProperties(.disconnect)
        try body.expectMQTTEnd("DISCONNECT")
        return MQTTDisconnect(reasonCode: reason, properties: properties)
    }

    func bodyLength(version: MQTTProtocolVersion) -> Int {
        guard version.isV5 else { return 0 }
        if self.properties.isEmpty { return self.reasonCode == 0 ? 0 : 1 }
        return 1 + self.properties.encodedSizeWithLength
    }

    func writeBody(to buffer: inout ByteBuffer, version: MQTTProtocolVersion) {
        guard version.isV5 else { return }
        if self.properties.isEmpty && self.reasonCode == 0 { return }
        buffer.writeInteger(self.reasonCode)
        if !self.properties.isEmpty { buffer.writeMQTTProperties(self.properties) }
    }
}
