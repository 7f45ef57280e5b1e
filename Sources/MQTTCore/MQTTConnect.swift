import NIOCore

/// CONNECT: the first packet a client sends; it fixes the protocol version for the whole connection.
public struct MQTTConnect: Sendable, Equatable {
    /// Protocol version from the protocol level byte. When encoding, this (not the `version` argument of
    /// `MQTTPacket.write`) decides the wire format, mirroring how the server learns the version from it.
    public var version: MQTTProtocolVersion
    /// Client identifier; may be empty (the server then assigns one or rejects the connection).
    public var clientID: String
    /// Clean Session (3.1.1) / Clean Start (5).
    public var cleanStart: Bool
    /// Keep alive in seconds; 0 disables the keep alive mechanism.
    public var keepAliveSeconds: UInt16
    /// User name, if the username flag is set.
    public var username: String?
    /// Password (binary data), if the password flag is set.
    public var password: ByteBuffer?
    /// Last will, if the will flag is set.
    public var will: MQTTWill?
    /// MQTT 5 CONNECT properties; empty on 3.1.x.
    public var properties: MQTTProperties

    /// Only the version is required; the defaults describe a plain clean-start client with a 60 s keep alive.
    public init(
        version: MQTTProtocolVersion,
        clientID: String = "",
        cleanStart: Bool = true,
        keepAliveSeconds: UInt16 = 60,
        username: String? = nil,
        password: ByteBuffer? = nil,
        will: MQTTWill? = nil,
        properties: MQTTProperties = []
    ) {
        self.version = version
        self.clientID = clientID
        self.cleanStart = cleanStart
        self.keepAliveSeconds = keepAliveSeconds
        self.username = username
        self.password = password
        self.will = will
        self.properties = properties
    }
}

// Connect flag bits (section 3.1.2.3 in both specs).
private let flagReserved: UInt8 = 0x01
private let flagCleanStart: UInt8 = 0x02
private let flagWill: UInt8 = 0x04
private let flagWillQoSShift: UInt8 = 3
private let flagWillRetain: UInt8 = 0x20
private let flagPassword: UInt8 = 0x40
private let flagUsername: UInt8 = 0x80

extension MQTTConnect {
    /// Parses a CONNECT body. The version comes from the packet itself: level 3 → 3.1, 4 → 3.1.1, 5 → 5;
    /// other levels are treated as 3.1.1 (as ThingsBoard does), but the protocol name must be "MQTT" or "MQIsdp".
    static func parse(from body: inout ByteBuffer) throws(MQTTDecodeError) -> MQTTConnect {
        let version = try Self.parseProtocolNameAndLevel(from: &body)
        let flags = try body.readMQTTByte("CONNECT flags")
        guard flags & flagReserved == 0 else {
            throw .malformedPacket("CONNECT reserved flag bit 0 is set")
        }
        let hasWill = flags & flagWill != 0
        let willQoSBits = (flags >> flagWillQoSShift) & 0x03
        let willRetain = flags & flagWillRetain != 0
        guard willQoSBits != 3 else { throw .malformedPacket("CONNECT will QoS is 3") }
        if !hasWill {
            guard willQoSBits == 0 else { throw .malformedPacket("CONNECT will QoS set without will flag") }
            guard !willRetain else { throw .malformedPacket("CONNECT will retain set without will flag") }
        }
        let hasUsername = flags & flagUsername != 0
        let hasPassword = flags & flagPassword != 0
        if hasPassword && !hasUsername && !version.isV5 {
            throw .malformedPacket("CONNECT password flag set without username flag")
        }
        let keepAlive = try body.readMQTTUInt16("CONNECT keep alive")
        let properties = version.isV5 ? try body.readMQTTProperties(.connect) : MQTTProperties()
        let clientID = try body.readMQTTString("CONNECT client identifier")

        var will: MQTTWill?
        if hasWill {
            let willProperties = version.isV5 ? try body.readMQTTProperties(.will) : MQTTProperties()
            let (topic, hasWildcard) = try body.readMQTTStringNotingWildcards("CONNECT will topic")
            guard !topic.isEmpty else { throw .malformedPacket("CONNECT will topic is empty") }
            guard !hasWildcard else { throw .malformedPacket("CONNECT will topic contains wildcard") }
            let payload = try body.readMQTTBinary("CONNECT will payload")
            will = MQTTWill(
                topic: topic,
                payload: payload,
                qos: MQTTQoS(rawValue: willQoSBits)!,
                retain: willRetain,
                properties: willProperties
            )
        }
        let username = hasUsername ? try body.readMQTTString("CONNECT username") : nil
        let password = hasPassword ? try body.readMQTTBinary("CONNECT password") : nil
        try body.expectMQTTEnd("CONNECT")
        return MQTTConnect(
            version: version,
            clientID: clientID,
            cleanStart: flags & flagCleanStart != 0,
            keepAliveSeconds: keepAlive,
            username: username,
            password: password,
            will: will,
            properties: properties
        )
    }

    /// Reads the protocol name (compared as raw bytes, so garbage names become `unsupportedProtocol`
    /// rather than a UTF-8 error) and the protocol level.
    private static func parseProtocolNameAndLevel(
        from body: inout ByteBuffer
    ) throws(MQTTDecodeError) -> MQTTProtocolVersion {
        guard let nameLength = body.readInteger(as: UInt16.self) else {
            throw .malformedPacket("CONNECT protocol name missing")
        }
        guard let nameBytes = body.readSlice(length: Int(nameLength)) else {
            throw .malformedPacket("CONNECT protocol name length \(nameLength) exceeds packet")
        }
        let level = body.readInteger(as: UInt8.self)
        let view = nameBytes.readableBytesView
        let isMQTT = view.elementsEqual("MQTT".utf8)
        guard isMQTT || view.elementsEqual("MQIsdp".utf8) else {
            throw .unsupportedProtocol(name: String(decoding: view, as: UTF8.self), level: level ?? 0)
        }
        guard let level else { throw .malformedPacket("CONNECT protocol level missing") }
        switch level {
        case 3: return .v3_1
        case 5: return .v5
        default: return .v3_1_1
        }
    }
}

extension MQTTConnect: MQTTBodyEncodable {
    private var protocolName: String { self.version == .v3_1 ? "MQIsdp" : "MQTT" }

    func bodyLength(version _: MQTTProtocolVersion) -> Int {
        let isV5 = self.version.isV5
        var length = mqttStringSize(self.protocolName) + 1 + 1 + 2
        if isV5 { length += self.properties.encodedSizeWithLength }
        length += mqttStringSize(self.clientID)
        if let will = self.will {
            if isV5 { length += will.properties.encodedSizeWithLength }
            length += mqttStringSize(will.topic) + 2 + will.payload.readableBytes
        }
        if let username = self.username { length += mqttStringSize(username) }
        if let password = self.password { length += 2 + password.readableBytes }
        return length
    }

    func writeBody(to buffer: inout ByteBuffer, version _: MQTTProtocolVersion) {
        let isV5 = self.version.isV5
        buffer.writeMQTTString(self.protocolName)
        buffer.writeInteger(self.version.rawValue)
        var flags: UInt8 = 0
        if self.cleanStart { flags |= flagCleanStart }
        if let will = self.will {
            flags |= flagWill | (will.qos.rawValue << flagWillQoSShift)
            if will.retain { flags |= flagWillRetain }
        }
        if self.username != nil { flags |= flagUsername }
        if self.password != nil { flags |= flagPassword }
        buffer.writeInteger(flags)
        buffer.writeInteger(self.keepAliveSeconds)
        if isV5 { buffer.writeMQTTProperties(self.properties) }
        buffer.writeMQTTString(self.clientID)
        if let will = self.will {
            if isV5 { buffer.writeMQTTProperties(will.properties) }
            buffer.writeMQTTString(will.topic)
            buffer.writeMQTTBinary(will.payload)
        }
        if let username = self.username { buffer.writeMQTTString(username) }
        if let password = self.password { buffer.writeMQTTBinary(password) }
    }
}
