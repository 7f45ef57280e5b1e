import NIOCore

/// Which properties a given packet may carry (MQTT 5 spec, table in section 2.2.2.2) and which of them may
/// repeat. Bitmasks indexed by property identifier keep the per-property check to two AND instructions.
struct MQTTPropertyRules: Sendable {
    let packetName: String
    let allowed: UInt64
    let repeatable: UInt64

    private init(_ packetName: String, _ allowed: [UInt8], repeatable: [UInt8] = [0x26]) {
        self.packetName = packetName
        self.allowed = allowed.reduce(0) { $0 | (1 << UInt64($1)) }
        self.repeatable = repeatable.reduce(0) { $0 | (1 << UInt64($1)) }
    }

    static let connect = MQTTPropertyRules("CONNECT", [0x11, 0x15, 0x16, 0x17, 0x19, 0x21, 0x22, 0x26, 0x27])
    static let connack = MQTTPropertyRules(
        "CONNACK",
        [0x11, 0x12, 0x13, 0x15, 0x16, 0x1A, 0x1C, 0x1F, 0x21, 0x22, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2A]
    )
    static let publish = MQTTPropertyRules(
        "PUBLISH",
        [0x01, 0x02, 0x03, 0x08, 0x09, 0x0B, 0x23, 0x26],
        repeatable: [0x0B, 0x26]
    )
    static let will = MQTTPropertyRules("CONNECT will", [0x01, 0x02, 0x03, 0x08, 0x09, 0x18, 0x26])
    static let puback = MQTTPropertyRules("PUBACK", [0x1F, 0x26])
    static let pubrec = MQTTPropertyRules("PUBREC", [0x1F, 0x26])
    static let pubrel = MQTTPropertyRules("PUBREL", [0x1F, 0x26])
    static let pubcomp = MQTTPropertyRules("PUBCOMP", [0x1F, 0x26])
    static let subscribe = MQTTPropertyRules("SUBSCRIBE", [0x0B, 0x26])
    static let suback = MQTTPropertyRules("SUBACK", [0x1F, 0x26])
    static let unsubscribe = MQTTPropertyRules("UNSUBSCRIBE", [0x26])
    static let unsuback = MQTTPropertyRules("UNSUBACK", [0x1F, 0x26])
    static let disconnect = MQTTPropertyRules("DISCONNECT", [0x11, 0x1C, 0x1F, 0x26])
    static let auth = MQTTPropertyRules("AUTH", [0x15, 0x16, 0x1F, 0x26])
}

extension ByteBuffer {
    /// Reads a property length and the property list it covers.
    ///
    /// Unknown identifiers, identifiers not allowed in this packet, and values that overrun the declared
    /// length are Malformed (spec 2.2.2.2); a forbidden duplicate or an out-of-range value is a Protocol Error.
    mutating func readMQTTProperties(_ rules: MQTTPropertyRules) throws(MQTTDecodeError) -> MQTTProperties {
        let length = try self.readMQTTVariableByteInteger("\(rules.packetName) property length")
        if length == 0 { return MQTTProperties() }
        guard var block = self.readSlice(length: length) else {
            throw .malformedPacket(
                "\(rules.packetName) property length \(length) exceeds remaining \(self.readableBytes) byte(s)"
            )
        }
        var items: [MQTTProperty] = []
        var seen: UInt64 = 0
        while block.readableBytes > 0 {
            let id = block.readInteger(as: UInt8.self)!
            guard let name = MQTTProperty.name(forIdentifier: id) else {
                throw .malformedPacket("\(rules.packetName) has unknown property identifier 0x\(Self.hex(id))")
            }
            let bit: UInt64 = 1 << UInt64(id)
            guard rules.allowed & bit != 0 else {
                throw .malformedPacket("\(rules.packetName) may not carry property \(name)")
            }
            if seen & bit != 0 && rules.repeatable & bit == 0 {
                throw .protocolViolation("\(rules.packetName) carries property \(name) more than once")
            }
            seen |= bit
            let property = try block.readMQTTPropertyValue(id: id, name: name, packet: rules.packetName)
            items.append(property)
        }
        return MQTTProperties(items)
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
    }

    /// Reads the value of a known property from the property block, validating value ranges.
    private mutating func readMQTTPropertyValue(
        id: UInt8,
        name: String,
        packet: String
    ) throws(MQTTDecodeError) -> MQTTProperty {
        func what() -> String { "\(packet) property \(name)" }
        switch id {
        case 0x01, 0x17, 0x19, 0x24, 0x25, 0x28, 0x29, 0x2A:
            let value = try self.readMQTTByte(what())
            guard value <= 1 else { throw .protocolViolation("\(what()) has invalid value \(value)") }
            switch id {
            case 0x01: return .payloadFormatIndicator(value)
            case 0x17: return .requestProblemInformation(value)
            case 0x19: return .requestResponseInformation(value)
            case 0x24: return .maximumQoS(value)
            case 0x25: return .retainAvailable(value)
            case 0x28: return .wildcardSubscriptionAvailable(value)
            case 0x29: return .subscriptionIdentifierAvailable(value)
            default: return .sharedSubscriptionAvailable(value)
            }
        case 0x13, 0x21, 0x22, 0x23:
            let value = try self.readMQTTUInt16(what())
            switch id {
            case 0x13: return .serverKeepAlive(value)
            case 0x22: return .topicAliasMaximum(value)
            default:
                guard value != 0 else { throw .protocolViolation("\(what()) is 0") }
                return id == 0x21 ? .receiveMaximum(value) : .topicAlias(value)
            }
        case 0x02, 0x11, 0x18, 0x27:
            let value = try self.readMQTTUInt32(what())
            switch id {
            case 0x02: return .messageExpiryInterval(value)
            case 0x11: return .sessionExpiryInterval(value)
            case 0x18: return .willDelayInterval(value)
            default:
                guard value != 0 else { throw .protocolViolation("\(what()) is 0") }
                return .maximumPacketSize(value)
            }
        case 0x0B:
            let value = try self.readMQTTVariableByteInteger(what())
            guard value != 0 else { throw .protocolViolation("\(what()) is 0") }
            return .subscriptionIdentifier(UInt32(value))
        case 0x09:
            return .correlationData(try self.readMQTTBinary(what()))
        case 0x16:
            return .authenticationData(try self.readMQTTBinary(what()))
        case 0x26:
            let key = try self.readMQTTString("\(what()) name")
            let value = try self.readMQTTString("\(what()) value")
            return .userProperty(key, value)
        default:
            let value = try self.readMQTTString(what())
            switch id {
            case 0x03: return .contentType(value)
            case 0x08: return .responseTopic(value)
            case 0x12: return .assignedClientIdentifier(value)
            case 0x15: return .authenticationMethod(value)
            case 0x1A: return .responseInformation(value)
            case 0x1C: return .serverReference(value)
            default: return .reasonString(value)
            }
        }
    }
}
