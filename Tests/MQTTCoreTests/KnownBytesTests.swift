import NIOCore
import Testing

@testable import MQTTCore

/// Byte-exact checks against hand-written packets (layouts from the spec and captures of real clients).
@Suite("Known bytes")
struct KnownBytesTests {
    /// What `mosquitto_pub -i client -k 60` sends: clean session, keep alive 60, client ID "client".
    static let mosquittoConnect: [UInt8] = [
        0x10, 0x12, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x3C,
        0x00, 0x06, 0x63, 0x6C, 0x69, 0x65, 0x6E, 0x74,
    ]

    @Test("3.1.1 CONNECT from a real client")
    func connect311() throws {
        let expected = MQTTPacket.connect(MQTTConnect(version: .v3_1_1, clientID: "client", keepAliveSeconds: 60))
        #expect(try decodeOne(Self.mosquittoConnect, version: nil) == expected)
        #expect(encodeBytes(expected, .v3_1_1) == Self.mosquittoConnect)
    }

    @Test("3.1.1 CONNECT with will, username and password")
    func connect311Full() throws {
        let bytes = frame(
            0x10,
            str("MQTT") + [0x04, 0b1110_1100, 0x00, 0x0A] + str("id") + str("w/t") + str("gone") + str("bob")
                + [0x00, 0x02, 0x70, 0x77]
        )
        let expected = MQTTPacket.connect(
            MQTTConnect(
                version: .v3_1_1,
                clientID: "id",
                cleanStart: false,
                keepAliveSeconds: 10,
                username: "bob",
                password: buffer("pw"),
                will: MQTTWill(topic: "w/t", payload: buffer("gone"), qos: .atLeastOnce, retain: true)
            )
        )
        #expect(try decodeOne(bytes, version: nil) == expected)
        #expect(encodeBytes(expected, .v3_1_1) == bytes)
    }

    @Test("MQTT 5 CONNECT with Receive Maximum and an empty client ID")
    func connect5() throws {
        let bytes: [UInt8] = [
            0x10, 0x10, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x05, 0x02, 0x00, 0x3C,
            0x03, 0x21, 0x00, 0x14, 0x00, 0x00,
        ]
        let expected = MQTTPacket.connect(MQTTConnect(version: .v5, properties: [.receiveMaximum(20)]))
        #expect(try decodeOne(bytes, version: nil) == expected)
        #expect(encodeBytes(expected, .v5) == bytes)
    }

    @Test("MQTT 3.1 CONNECT (MQIsdp)")
    func connect31() throws {
        let bytes = frame(0x10, str("MQIsdp") + [0x03, 0x02, 0x00, 0x3C] + str("c"))
        let expected = MQTTPacket.connect(MQTTConnect(version: .v3_1, clientID: "c", keepAliveSeconds: 60))
        #expect(try decodeOne(bytes, version: nil) == expected)
        #expect(encodeBytes(expected, .v3_1) == bytes)
    }

    @Test("Fixed-size packets", arguments: [
        (MQTTPacket.pingreq, MQTTProtocolVersion.v3_1_1, [UInt8]([0xC0, 0x00])),
        (.pingresp, .v3_1_1, [0xD0, 0x00]),
        (.pingreq, .v5, [0xC0, 0x00]),
        (.disconnect(MQTTDisconnect()), .v3_1_1, [0xE0, 0x00]),
        (.disconnect(MQTTDisconnect()), .v5, [0xE0, 0x00]),
        (.disconnect(MQTTDisconnect(reasonCode: 0x8E)), .v5, [0xE0, 0x01, 0x8E]),
        (.connack(MQTTConnAck(sessionPresent: false, returnCode: 0)), .v3_1_1, [0x20, 0x02, 0x00, 0x00]),
        (.connack(MQTTConnAck(sessionPresent: true, returnCode: 0)), .v3_1_1, [0x20, 0x02, 0x01, 0x00]),
        (.connack(MQTTConnAck(sessionPresent: false, returnCode: 0x86)), .v5, [0x20, 0x03, 0x00, 0x86, 0x00]),
        (.puback(MQTTAck(packetID: 1)), .v3_1_1, [0x40, 0x02, 0x00, 0x01]),
        (.puback(MQTTAck(packetID: 1)), .v5, [0x40, 0x02, 0x00, 0x01]),
        (.puback(MQTTAck(packetID: 1, reasonCode: 0x10)), .v5, [0x40, 0x03, 0x00, 0x01, 0x10]),
        (.pubrec(MQTTAck(packetID: 0x1234)), .v5, [0x50, 0x02, 0x12, 0x34]),
        (.pubrel(MQTTAck(packetID: 0x1234)), .v3_1_1, [0x62, 0x02, 0x12, 0x34]),
        (.pubcomp(MQTTAck(packetID: 2)), .v3_1_1, [0x70, 0x02, 0x00, 0x02]),
        (.suback(MQTTSubAck(packetID: 1, reasonCodes: [0x01])), .v3_1_1, [0x90, 0x03, 0x00, 0x01, 0x01]),
        (.unsuback(MQTTUnsubAck(packetID: 1)), .v3_1_1, [0xB0, 0x02, 0x00, 0x01]),
        (.unsuback(MQTTUnsubAck(packetID: 1, reasonCodes: [0])), .v5, [0xB0, 0x04, 0x00, 0x01, 0x00, 0x00]),
        (.auth(MQTTAuth()), .v5, [0xF0, 0x00]),
    ])
    func fixedPackets(packet: MQTTPacket, version: MQTTProtocolVersion, bytes: [UInt8]) throws {
        #expect(encodeBytes(packet, version) == bytes)
        #expect(try decodeOne(bytes, version: version) == packet)
    }

    @Test("MQTT 5 PUBACK with reason string")
    func pubackWithProperties() throws {
        let bytes: [UInt8] = [0x40, 0x08, 0x00, 0x05, 0x80, 0x04, 0x1F, 0x00, 0x01, 0x78]
        let packet = MQTTPacket.puback(MQTTAck(packetID: 5, reasonCode: 0x80, properties: [.reasonString("x")]))
        #expect(encodeBytes(packet, .v5) == bytes)
        #expect(try decodeOne(bytes, version: .v5) == packet)
    }

    @Test("3.1.1 PUBLISH QoS 1 retained")
    func publish311() throws {
        let bytes: [UInt8] = [0x33, 0x0A, 0x00, 0x03, 0x61, 0x2F, 0x62, 0x00, 0x07, 0x68, 0x69, 0x21]
        let packet = MQTTPacket.publish(
            MQTTPublish(topic: "a/b", payload: buffer("hi!"), qos: .atLeastOnce, retain: true, packetID: 7)
        )
        #expect(encodeBytes(packet, .v3_1_1) == bytes)
        #expect(try decodeOne(bytes, version: .v3_1_1) == packet)
    }

    @Test("MQTT 5 PUBLISH QoS 0 with topic alias")
    func publish5() throws {
        let bytes: [UInt8] = [0x30, 0x08, 0x00, 0x01, 0x74, 0x03, 0x23, 0x00, 0x02, 0x7A]
        let packet = MQTTPacket.publish(MQTTPublish(topic: "t", payload: buffer("z"), properties: [.topicAlias(2)]))
        #expect(encodeBytes(packet, .v5) == bytes)
        #expect(try decodeOne(bytes, version: .v5) == packet)
    }

    @Test("3.1.1 SUBSCRIBE / UNSUBSCRIBE")
    func subscribe311() throws {
        let subscribe: [UInt8] = [0x82, 0x08, 0x00, 0x01, 0x00, 0x03, 0x61, 0x2F, 0x23, 0x01]
        let packet = MQTTPacket.subscribe(
            MQTTSubscribe(packetID: 1, subscriptions: [MQTTSubscription(filter: "a/#", qos: .atLeastOnce)])
        )
        #expect(encodeBytes(packet, .v3_1_1) == subscribe)
        #expect(try decodeOne(subscribe, version: .v3_1_1) == packet)

        let unsubscribe: [UInt8] = [0xA2, 0x07, 0x00, 0x02, 0x00, 0x03, 0x61, 0x2F, 0x23]
        let unsub = MQTTPacket.unsubscribe(MQTTUnsubscribe(packetID: 2, filters: ["a/#"]))
        #expect(encodeBytes(unsub, .v3_1_1) == unsubscribe)
        #expect(try decodeOne(unsubscribe, version: .v3_1_1) == unsub)
    }

    @Test("MQTT 5 SUBSCRIBE options byte")
    func subscribe5() throws {
        // no local (0x04) + retain as published (0x08) + retain handling 2 (0x20) + QoS 2.
        let bytes: [UInt8] = [0x82, 0x07, 0x00, 0x09, 0x00, 0x00, 0x01, 0x74, 0x2E]
        let packet = MQTTPacket.subscribe(
            MQTTSubscribe(packetID: 9, subscriptions: [
                MQTTSubscription(filter: "t", qos: .exactlyOnce, noLocal: true, retainAsPublished: true,
                                 retainHandling: 2),
            ])
        )
        #expect(encodeBytes(packet, .v5) == bytes)
        #expect(try decodeOne(bytes, version: .v5) == packet)
    }
}
