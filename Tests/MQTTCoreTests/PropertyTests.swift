import NIOCore
import Testing

@testable import MQTTCore

@Suite("MQTT 5 properties")
struct PropertyTests {
    /// Every property of the spec, each placed in a packet that allows it.
    static let connackProperties: MQTTProperties = [
        .sessionExpiryInterval(0xFFFF_FFFF), .assignedClientIdentifier("gen-1"), .serverKeepAlive(120),
        .authenticationMethod("m"), .authenticationData(buffer([1])), .responseInformation("resp/"),
        .serverReference("host:1883"), .reasonString("ok"), .receiveMaximum(65_535), .topicAliasMaximum(0),
        .maximumQoS(0), .retainAvailable(1), .userProperty("", ""), .maximumPacketSize(1),
        .wildcardSubscriptionAvailable(0), .subscriptionIdentifierAvailable(1), .sharedSubscriptionAvailable(1),
    ]
    static let publishProperties: MQTTProperties = [
        .payloadFormatIndicator(1), .messageExpiryInterval(0), .contentType("c"), .responseTopic("r"),
        .correlationData(buffer([])), .subscriptionIdentifier(127), .subscriptionIdentifier(128),
        .subscriptionIdentifier(16_384), .topicAlias(65_535), .userProperty("ü", "✓"),
    ]
    static let connectProperties: MQTTProperties = [
        .requestProblemInformation(0), .requestResponseInformation(1), .receiveMaximum(1),
        .topicAliasMaximum(5), .maximumPacketSize(0xFFFF_FFFF), .sessionExpiryInterval(1),
        .authenticationMethod("SCRAM"), .authenticationData(buffer([0, 0])),
    ]
    static let willProperties: MQTTProperties = [
        .willDelayInterval(30), .payloadFormatIndicator(0), .messageExpiryInterval(9), .contentType("t"),
        .responseTopic("rt"), .correlationData(buffer([7])), .userProperty("a", "b"),
    ]

    @Test("All 27 property identifiers round-trip")
    func everyProperty() throws {
        let all = Self.connackProperties.items + Self.publishProperties.items + Self.connectProperties.items
            + Self.willProperties.items
        #expect(Set(all.map(\.identifier)).count == 27)
        for id in Set(all.map(\.identifier)) {
            #expect(MQTTProperty.name(forIdentifier: id) != nil)
        }

        let connack = MQTTPacket.connack(MQTTConnAck(properties: Self.connackProperties))
        #expect(try decodeOne(encodeBytes(connack, .v5), version: .v5) == connack)
        let publish = MQTTPacket.publish(MQTTPublish(topic: "t", payload: buffer("p"), properties: Self.publishProperties))
        #expect(try decodeOne(encodeBytes(publish, .v5), version: .v5) == publish)
        let connect = MQTTPacket.connect(
            MQTTConnect(
                version: .v5,
                will: MQTTWill(topic: "w", payload: buffer([]), properties: Self.willProperties),
                properties: Self.connectProperties
            )
        )
        #expect(try decodeOne(encodeBytes(connect, .v5), version: nil) == connect)
    }

    @Test("Property wire sizes match what is written")
    func encodedSizes() {
        for property in Self.connackProperties.items + Self.publishProperties.items + Self.willProperties.items {
            var out = ByteBufferAllocator().buffer(capacity: 16)
            out.writeMQTTProperty(property)
            #expect(out.readableBytes == property.encodedSize, "\(property)")
        }
    }

    @Test("Typed getters")
    func getters() {
        let c = Self.connackProperties
        #expect(c.sessionExpiryInterval == 0xFFFF_FFFF)
        #expect(c.assignedClientIdentifier == "gen-1")
        #expect(c.serverKeepAlive == 120)
        #expect(c.authenticationMethod == "m")
        #expect(c.authenticationData == buffer([1]))
        #expect(c.responseInformation == "resp/")
        #expect(c.serverReference == "host:1883")
        #expect(c.reasonString == "ok")
        #expect(c.receiveMaximum == 65_535)
        #expect(c.topicAliasMaximum == 0)
        #expect(c.maximumQoS == 0)
        #expect(c.retainAvailable == 1)
        #expect(c.maximumPacketSize == 1)
        #expect(c.wildcardSubscriptionAvailable == 0)
        #expect(c.subscriptionIdentifierAvailable == 1)
        #expect(c.sharedSubscriptionAvailable == 1)
        #expect(c.topicAlias == nil)
        let p = Self.publishProperties
        #expect(p.payloadFormatIndicator == 1)
        #expect(p.messageExpiryInterval == 0)
        #expect(p.contentType == "c")
        #expect(p.responseTopic == "r")
        #expect(p.correlationData == buffer([]))
        #expect(p.subscriptionIdentifiers == [127, 128, 16_384])
        #expect(p.topicAlias == 65_535)
        #expect(p.userProperties.map { "\($0.name)=\($0.value)" } == ["ü=✓"])
        let k = Self.connectProperties
        #expect(k.requestProblemInformation == 0)
        #expect(k.requestResponseInformation == 1)
        #expect(Self.willProperties.willDelayInterval == 30)
        #expect(MQTTProperties().isEmpty)
        #expect(MQTTProperties().reasonString == nil)
    }

    @Test("set replaces, append keeps, remove drops")
    func mutation() {
        var properties: MQTTProperties = [.reasonString("a"), .userProperty("k", "1")]
        properties.set(.reasonString("b"))
        properties.append(.userProperty("k", "2"))
        #expect(properties.reasonString == "b")
        #expect(properties.count == 3)
        #expect(properties.userProperties.count == 2)
        properties.remove(identifier: 0x26)
        #expect(properties.items == [.reasonString("b")])
        #expect(Array(properties) == [.reasonString("b")])
    }

    /// A v5 PUBACK (reason 0) carrying the given raw property block.
    static func puback(properties block: [UInt8], declaredLength: UInt8? = nil) -> [UInt8] {
        frame(0x40, [0x00, 0x01, 0x00, declaredLength ?? UInt8(block.count)] + block)
    }

    /// A v5 PUBLISH QoS 0 to "t" carrying the given raw property block.
    static func publish(properties block: [UInt8]) -> [UInt8] {
        frame(0x30, str("t") + [UInt8(block.count)] + block)
    }

    @Test("Unknown property identifier is malformed", arguments: [UInt8(0x00), 0x04, 0x0A, 0x14, 0x2B, 0x7F, 0x80])
    func unknownIdentifier(id: UInt8) {
        let hex = String(id, radix: 16, uppercase: true)
        expectMalformed(Self.puback(properties: [id, 0x00]), version: .v5,
                        "PUBACK has unknown property identifier 0x\(hex.count == 1 ? "0" + hex : hex)")
    }

    @Test("A property must fit in the declared property length")
    func propertyOverrunsLength() {
        // Reason String declared inside a 3-byte block but needs 4.
        expectMalformed(Self.puback(properties: [0x1F, 0x00, 0x01, 0x78], declaredLength: 3) + [],
                        version: .v5, "PUBACK property Reason String length 1 exceeds the 0 remaining byte(s)")
        expectMalformed(Self.publish(properties: [0x02, 0x00, 0x00]), version: .v5,
                        "PUBLISH property Message Expiry Interval missing")
        expectMalformed(Self.publish(properties: [0x23, 0x00]), version: .v5, "PUBLISH property Topic Alias missing")
        expectMalformed(Self.publish(properties: [0x0B, 0x80]), version: .v5,
                        "PUBLISH property Subscription Identifier truncated")
        expectMalformed(Self.publish(properties: [0x0B, 0x80, 0x80, 0x80, 0x80, 0x01]), version: .v5,
                        "PUBLISH property Subscription Identifier longer than 4 bytes")
        expectMalformed(Self.publish(properties: [0x09, 0x00, 0x05, 0x01]), version: .v5,
                        "PUBLISH property Correlation Data length 5 exceeds the 1 remaining byte(s)")
    }

    @Test("Property length beyond the packet is malformed")
    func propertyLengthOverrun() {
        expectMalformed([0x40, 0x04, 0x00, 0x01, 0x00, 0x0A], version: .v5,
                        "PUBACK property length 10 exceeds remaining 0 byte(s)")
        expectMalformed(frame(0x30, str("t") + [0x80, 0x80, 0x80, 0x80, 0x01]), version: .v5,
                        "PUBLISH property length longer than 4 bytes")
        expectMalformed(frame(0x30, str("t") + [0x81]), version: .v5, "PUBLISH property length truncated")
    }

    @Test("A property not allowed in the packet is malformed")
    func notAllowed() {
        expectMalformed(Self.publish(properties: [0x11, 0, 0, 0, 1]), version: .v5,
                        "PUBLISH may not carry property Session Expiry Interval")
        expectMalformed(Self.puback(properties: [0x23, 0, 1]), version: .v5, "PUBACK may not carry property Topic Alias")
        expectMalformed(frame(0x82, [0, 1, 3, 0x23, 0, 1] + str("a") + [0]), version: .v5,
                        "SUBSCRIBE may not carry property Topic Alias")
        expectMalformed([0xE0, 0x04, 0x00, 0x02, 0x21, 0x00], version: .v5,
                        "DISCONNECT may not carry property Receive Maximum")
    }

    @Test("Duplicate single-valued property is a protocol error")
    func duplicates() throws {
        #expect(decodeError(Self.publish(properties: [0x23, 0, 1, 0x23, 0, 2]), version: .v5)
            == .protocolViolation("PUBLISH carries property Topic Alias more than once"))
        #expect(decodeError(frame(0x82, [0, 1, 4, 0x0B, 1, 0x0B, 2] + str("a") + [0]), version: .v5)
            == .protocolViolation("SUBSCRIBE carries property Subscription Identifier more than once"))
        let twoReasons: [UInt8] = [0x1F] + str("a") + [0x1F] + str("b")
        #expect(decodeError(Self.puback(properties: twoReasons), version: .v5)
            == .protocolViolation("PUBACK carries property Reason String more than once"))
        // User properties and (in PUBLISH) subscription identifiers may repeat.
        let repeated: [UInt8] = [0x26] + str("k") + str("1") + [0x26] + str("k") + str("2") + [0x0B, 1, 0x0B, 2]
        guard case .publish(let publish) = try decodeOne(Self.publish(properties: repeated), version: .v5) else {
            Issue.record("expected PUBLISH")
            return
        }
        #expect(publish.properties.userProperties.count == 2)
        #expect(publish.properties.subscriptionIdentifiers == [1, 2])
    }

    @Test("Out-of-range property values are protocol errors", arguments: [
        ([UInt8]([0x01, 0x02]), "PUBLISH property Payload Format Indicator has invalid value 2"),
        ([0x23, 0x00, 0x00], "PUBLISH property Topic Alias is 0"),
        ([0x0B, 0x00], "PUBLISH property Subscription Identifier is 0"),
    ])
    func invalidPublishValues(block: [UInt8], message: String) {
        #expect(decodeError(Self.publish(properties: block), version: .v5) == .protocolViolation(message))
    }

    @Test("Out-of-range CONNECT / CONNACK property values")
    func invalidConnectValues() {
        let connect = { (block: [UInt8]) in
            frame(0x10, str("MQTT") + [5, 2, 0, 60, UInt8(block.count)] + block + str("c"))
        }
        #expect(decodeError(connect([0x21, 0, 0]), version: nil)
            == .protocolViolation("CONNECT property Receive Maximum is 0"))
        #expect(decodeError(connect([0x27, 0, 0, 0, 0]), version: nil)
            == .protocolViolation("CONNECT property Maximum Packet Size is 0"))
        #expect(decodeError(connect([0x17, 2]), version: nil)
            == .protocolViolation("CONNECT property Request Problem Information has invalid value 2"))
        #expect(decodeError(frame(0x20, [0, 0, 2, 0x24, 2]), version: .v5)
            == .protocolViolation("CONNACK property Maximum QoS has invalid value 2"))
    }
}
