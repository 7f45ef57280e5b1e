import NIOCore

/// AUTH (MQTT 5 only): a step of an extended authentication exchange or re-authentication.
public struct MQTTAuth: Sendable, Equatable {
    /// 0x00 success, 0x18 continue authentication, 0x19 re-authenticate.
    public var reasonCode: UInt8
    /// Authentication method/data, reason string, user properties.
    public var properties: MQTTProperties

    /// Defaults to a bare success AUTH (remaining length 0).
    public init(reasonCode: UInt8 = 0, properties: MQTTProperties = []) {
        self.reasonCode = reasonCode
        self.properties = properties
    }
}

extension MQTTAuth: MQTTBodyEncodable {
    /// Remaining length 0 means success without properties (3.15.2.1). A lone reason byte is accepted
    /// too, matching the other MQTT 5 packets whose property length may be omitted.
    static func parse(from body: inout ByteBuffer) throws(MQTTDecodeError) -> MQTTAuth {
        guard let reason = body.readInteger(as: UInt8.self) else { return MQTTAuth() }
        guard body.readableBytes > 0 else { return MQTTAuth(reasonCode: reason) }
        let properties = try body.readMQTTProperties(.auth)
        try body.expectMQTTEnd("AUTH")
        return MQTTAuth(reasonCode: reason, properties: properties)
    }

    /// AUTH is always written in its MQTT 5 form; there is no 3.1.x equivalent.
    func bodyLength(version _: MQTTProtocolVersion) -> Int {
        if self.reasonCode == 0 && self.properties.isEmpty { return 0 }
        return 1 + self.properties.encodedSizeWithLength
    }

    func writeBody(to buffer: inout ByteBuffer, version _: MQTTProtocolVersion) {
        if self.reasonCode == 0 && self.properties.isEmpty { return }
        buffer.writeInteger(self.reasonCode)
        buffer.writeMQTTProperties(self.properties)
    }
}
