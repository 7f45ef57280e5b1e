import NIOCore
import Testing

@testable import MQTTCore

@Suite("Packet body rules")
struct PacketBodyTests {
    @Test("Packet identifier 0 is invalid where one is required")
    func packetIDZero() {
        for version in [MQTTProtocolVersion.v3_1_1, .v5] {
            let props: [UInt8] = version == .v5 ? [0] : []
            expectMalformed(frame(0x32, str("t") + [0, 0] + props), version: version, "PUBLISH packet identifier is 0")
            expectMalformed([0x40, 0x02, 0x00, 0x00], version: version, "PUBACK packet identifier is 0")
            expectMalformed([0x50, 0x02, 0x00, 0x00], version: version, "PUBREC packet identifier is 0")
            expectMalformed([0x62, 0x02, 0x00, 0x00], version: version, "PUBREL packet identifier is 0")
            expectMalformed([0x70, 0x02, 0x00, 0x00], version: version, "PUBCOMP packet identifier is 0")
            expectMalformed(frame(0x82, [0, 0] + props + str("a") + [0]), version: version,
                            "SUBSCRIBE packet identifier is 0")
            expectMalformed(frame(0x90, [0, 0] + props + [0]), version: version, "SUBACK packet identifier is 0")
            expectMalformed(frame(0xA2, [0, 0] + props + str("a")), version: version,
                            "UNSUBSCRIBE packet identifier is 0")
            expectMalformed(frame(0xB0, [0, 0] + props + (version == .v5 ? [0] : [])), version: version,
                            "UNSUBACK packet identifier is 0")
        }
    }

    @Test("Missing packet identifier")
    func packetIDMissing() {
        expectMalformed(frame(0x32, str("t") + [0]), version: .v3_1_1, "PUBLISH packet identifier missing")
        expectMalformed([0x40, 0x01, 0x00], version: .v3_1_1, "PUBACK packet identifier missing")
        expectMalformed([0x40, 0x00], version: .v5, "PUBACK packet identifier missing")
    }

    @Test("SUBSCRIBE needs at least one subscription; UNSUBSCRIBE at least one filter")
    func emptyLists() {
        expectMalformed(frame(0x82, [0, 1]), version: .v3_1_1, "SUBSCRIBE has no subscriptions")
        expectMalformed(frame(0x82, [0, 1, 0]), version: .v5, "SUBSCRIBE has no subscriptions")
        expectMalformed(frame(0xA2, [0, 1]), version: .v3_1_1, "UNSUBSCRIBE has no topic filters")
        expectMalformed(frame(0xA2, [0, 1, 0]), version: .v5, "UNSUBSCRIBE has no topic filters")
        expectMalformed(frame(0x90, [0, 1]), version: .v3_1_1, "SUBACK has no return codes")
        expectMalformed(frame(0xB0, [0, 1, 0]), version: .v5, "UNSUBACK has no reason codes")
        expectMalformed(frame(0x82, [0, 1] + str("a")), version: .v3_1_1, "SUBSCRIBE subscription options missing")
    }

    @Test("Subscription options")
    func subscriptionOptions() {
        // 3.1.1: only the QoS bits may be set.
        expectMalformed(frame(0x82, [0, 1] + str("a") + [0x04]), version: .v3_1_1,
                        "SUBSCRIBE subscription options reserved bits are set")
        expectMalformed(frame(0x82, [0, 1] + str("a") + [0x03]), version: .v3_1_1, "SUBSCRIBE requested QoS is 3")
        // 5: bits 6-7 reserved; QoS 3 and retain handling 3 are protocol errors.
        expectMalformed(frame(0x82, [0, 1, 0] + str("a") + [0x40]), version: .v5,
                        "SUBSCRIBE subscription options reserved bits are set")
        #expect(decodeError(frame(0x82, [0, 1, 0] + str("a") + [0x03]), version: .v5)
            == .protocolViolation("SUBSCRIBE requested QoS is 3"))
        #expect(decodeError(frame(0x82, [0, 1, 0] + str("a") + [0x30]), version: .v5)
            == .protocolViolation("SUBSCRIBE retain handling is 3"))
    }

    @Test("SUBACK return codes: strict on 3.1.1, passed through on 5")
    func subackCodes() throws {
        expectMalformed(frame(0x90, [0, 1, 0x03]), version: .v3_1_1, "SUBACK return code 3 is not 0, 1, 2 or 128")
        expectMalformed(frame(0x90, [0, 1, 0x00, 0x8F]), version: .v3_1_1,
                        "SUBACK return code 143 is not 0, 1, 2 or 128")
        #expect(try decodeOne(frame(0x90, [0, 1, 0x80, 0x00, 0x01, 0x02]), version: .v3_1_1)
            == .suback(MQTTSubAck(packetID: 1, reasonCodes: [0x80, 0, 1, 2])))
        #expect(try decodeOne(frame(0x90, [0, 1, 0, 0x8F, 0x9E, 0xA2]), version: .v5)
            == .suback(MQTTSubAck(packetID: 1, reasonCodes: [0x8F, 0x9E, 0xA2])))
    }

    @Test("CONNACK reserved acknowledge flags")
    func connackFlags() {
        expectMalformed([0x20, 0x02, 0x02, 0x00], version: .v3_1_1, "CONNACK reserved acknowledge flag bits are set")
        expectMalformed([0x20, 0x03, 0x80, 0x00, 0x00], version: .v5, "CONNACK reserved acknowledge flag bits are set")
        expectMalformed([0x20, 0x02, 0x00, 0x00], version: .v5, "CONNACK property length truncated")
    }

    @Test("Bytes left over after a fixed-size packet are malformed")
    func trailingBytes() {
        expectMalformed([0xC0, 0x01, 0x00], version: .v3_1_1, "PINGREQ has 1 unexpected trailing byte(s)")
        expectMalformed([0xC0, 0x01, 0x00], version: .v5, "PINGREQ has 1 unexpected trailing byte(s)")
        expectMalformed([0xD0, 0x02, 0x00, 0x00], version: .v5, "PINGRESP has 2 unexpected trailing byte(s)")
        expectMalformed([0xE0, 0x01, 0x00], version: .v3_1_1, "DISCONNECT has 1 unexpected trailing byte(s)")
        expectMalformed([0x40, 0x03, 0x00, 0x01, 0x00], version: .v3_1_1, "PUBACK has 1 unexpected trailing byte(s)")
        expectMalformed([0x62, 0x03, 0x00, 0x01, 0x00], version: .v3_1_1, "PUBREL has 1 unexpected trailing byte(s)")
        expectMalformed([0x20, 0x03, 0x00, 0x00, 0x00], version: .v3_1_1, "CONNACK has 1 unexpected trailing byte(s)")
        expectMalformed([0xB0, 0x03, 0x00, 0x01, 0x00], version: .v3_1_1, "UNSUBACK has 1 unexpected trailing byte(s)")
        expectMalformed([0x40, 0x05, 0x00, 0x01, 0x00, 0x00, 0x00], version: .v5,
                        "PUBACK has 1 unexpected trailing byte(s)")
        expectMalformed([0xE0, 0x03, 0x00, 0x00, 0x00], version: .v5, "DISCONNECT has 1 unexpected trailing byte(s)")
        expectMalformed([0xF0, 0x03, 0x18, 0x00, 0x00], version: .v5, "AUTH has 1 unexpected trailing byte(s)")
        expectMalformed([0x20, 0x04, 0x00, 0x00, 0x00, 0x00], version: .v5, "CONNACK has 1 unexpected trailing byte(s)")
    }

    @Test("MQTT 5 short forms", arguments: [
        ([UInt8]([0x40, 0x02, 0x00, 0x07]), MQTTPacket.puback(MQTTAck(packetID: 7))),
        ([0x50, 0x03, 0x00, 0x07, 0x10], .pubrec(MQTTAck(packetID: 7, reasonCode: 0x10))),
        ([0x62, 0x03, 0x00, 0x07, 0x92], .pubrel(MQTTAck(packetID: 7, reasonCode: 0x92))),
        ([0x70, 0x02, 0x00, 0x07], .pubcomp(MQTTAck(packetID: 7))),
        ([0x70, 0x04, 0x00, 0x07, 0x00, 0x00], .pubcomp(MQTTAck(packetID: 7))),
        ([0xE0, 0x00], .disconnect(MQTTDisconnect())),
        ([0xE0, 0x01, 0x04], .disconnect(MQTTDisconnect(reasonCode: 4))),
        ([0xE0, 0x02, 0x00, 0x00], .disconnect(MQTTDisconnect())),
        ([0xF0, 0x00], .auth(MQTTAuth())),
        ([0xF0, 0x01, 0x19], .auth(MQTTAuth(reasonCode: 0x19))),
    ])
    func shortForms(bytes: [UInt8], packet: MQTTPacket) throws {
        #expect(try decodeOne(bytes, version: .v5) == packet)
    }

    @Test("Short forms are written when the reason is 0 and there are no properties")
    func shortFormsWritten() {
        #expect(encodeBytes(.pubrel(MQTTAck(packetID: 1)), .v5) == [0x62, 0x02, 0x00, 0x01])
        #expect(encodeBytes(.pubrec(MQTTAck(packetID: 1, reasonCode: 0x10)), .v5) == [0x50, 0x03, 0x00, 0x01, 0x10])
        #expect(encodeBytes(.disconnect(MQTTDisconnect()), .v5) == [0xE0, 0x00])
        #expect(encodeBytes(.auth(MQTTAuth()), .v5) == [0xF0, 0x00])
        #expect(encodeBytes(.auth(MQTTAuth(reasonCode: 0x18)), .v5) == [0xF0, 0x02, 0x18, 0x00])
        #expect(encodeBytes(.disconnect(MQTTDisconnect(properties: [.sessionExpiryInterval(1)])), .v5)
            == [0xE0, 0x07, 0x00, 0x05, 0x11, 0x00, 0x00, 0x00, 0x01])
    }

    @Test("PUBLISH payload is the rest of the body")
    func publishPayload() throws {
        let bytes = frame(0x34, str("t") + [0x12, 0x34] + [0, 0xFF, 0x00, 0x10])
        #expect(try decodeOne(bytes, version: .v3_1_1) == .publish(
            MQTTPublish(topic: "t", payload: buffer([0, 0xFF, 0x00, 0x10]), qos: .exactlyOnce, packetID: 0x1234)
        ))
        // On v5 the payload starts after the properties.
        let v5 = frame(0x30, str("t") + [0x02, 0x01, 0x01] + Array("{}".utf8))
        #expect(try decodeOne(v5, version: .v5) == .publish(
            MQTTPublish(topic: "t", payload: buffer("{}"), properties: [.payloadFormatIndicator(1)])
        ))
    }
}
