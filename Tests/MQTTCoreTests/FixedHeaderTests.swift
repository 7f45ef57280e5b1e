import NIOCore
import Testing

@testable import MQTTCore

@Suite("Fixed header validation")
struct FixedHeaderTests {
    @Test("Reserved flags must be 0 except PUBLISH/PUBREL/SUBSCRIBE/UNSUBSCRIBE", arguments: [
        (UInt8(0x11), "CONNECT fixed header flags must be 0b0000, got 0b0001"),
        (0x28, "CONNACK fixed header flags must be 0b0000, got 0b1000"),
        (0x42, "PUBACK fixed header flags must be 0b0000, got 0b0010"),
        (0x54, "PUBREC fixed header flags must be 0b0000, got 0b0100"),
        (0x60, "PUBREL fixed header flags must be 0b0010, got 0b0000"),
        (0x63, "PUBREL fixed header flags must be 0b0010, got 0b0011"),
        (0x72, "PUBCOMP fixed header flags must be 0b0000, got 0b0010"),
        (0x80, "SUBSCRIBE fixed header flags must be 0b0010, got 0b0000"),
        (0x8A, "SUBSCRIBE fixed header flags must be 0b0010, got 0b1010"),
        (0x91, "SUBACK fixed header flags must be 0b0000, got 0b0001"),
        (0xA0, "UNSUBSCRIBE fixed header flags must be 0b0010, got 0b0000"),
        (0xB2, "UNSUBACK fixed header flags must be 0b0000, got 0b0010"),
        (0xC1, "PINGREQ fixed header flags must be 0b0000, got 0b0001"),
        (0xDF, "PINGRESP fixed header flags must be 0b0000, got 0b1111"),
        (0xE2, "DISCONNECT fixed header flags must be 0b0000, got 0b0010"),
    ])
    func reservedFlags(firstByte: UInt8, message: String) {
        for version in [MQTTProtocolVersion.v3_1_1, .v5] {
            // Rejected from the first byte, even before the body is present.
            expectMalformed([firstByte, 0x05], version: version, message)
        }
    }

    @Test("AUTH flags must be 0 on MQTT 5")
    func authFlags() {
        expectMalformed([0xF1, 0x00], version: .v5, "AUTH fixed header flags must be 0b0000, got 0b0001")
    }

    @Test("PUBLISH with QoS 3 is malformed")
    func publishQoS3() {
        for version in [MQTTProtocolVersion.v3_1_1, .v5] {
            expectMalformed(frame(0x36, str("t") + [0, 1]), version: version, "PUBLISH QoS is 3")
            expectMalformed([0x3F], version: version, "PUBLISH QoS is 3")
        }
    }

    @Test("PUBLISH with DUP on QoS 0 is malformed")
    func publishDupQoS0() throws {
        for version in [MQTTProtocolVersion.v3_1_1, .v5] {
            expectMalformed(frame(0x38, str("t")), version: version, "PUBLISH DUP flag set on QoS 0")
            expectMalformed(frame(0x39, str("t")), version: version, "PUBLISH DUP flag set on QoS 0")
        }
        // DUP with QoS 1 is fine.
        let ok = frame(0x3A, str("t") + [0, 1])
        #expect(try decodeOne(ok, version: .v3_1_1)
            == .publish(MQTTPublish(topic: "t", payload: buffer([]), qos: .atLeastOnce, dup: true, packetID: 1)))
    }

    @Test("Packet type 0 is reserved")
    func type0() {
        for version in [MQTTProtocolVersion.v3_1, .v3_1_1, .v5] {
            expectMalformed([0x00, 0x00], version: version, "reserved packet type 0")
        }
    }

    @Test("Packet type 15 is AUTH on MQTT 5 only")
    func type15() throws {
        for version in [MQTTProtocolVersion.v3_1, .v3_1_1] {
            expectMalformed([0xF0, 0x00], version: version, "reserved packet type 15 (AUTH exists only in MQTT 5)")
        }
        #expect(try decodeOne([0xF0, 0x00], version: .v5) == .auth(MQTTAuth()))
    }

    @Test("Every valid first byte of a fixed-size packet is accepted with a matching body")
    func validFixedHeaders() throws {
        #expect(try decodeOne([0x62, 0x02, 0x00, 0x01], version: .v3_1_1) == .pubrel(MQTTAck(packetID: 1)))
        #expect(try decodeOne(frame(0x82, [0, 1] + str("a") + [0]), version: .v3_1_1)
            == .subscribe(MQTTSubscribe(packetID: 1, subscriptions: [MQTTSubscription(filter: "a")])))
        #expect(try decodeOne(frame(0xA2, [0, 1] + str("a")), version: .v3_1_1)
            == .unsubscribe(MQTTUnsubscribe(packetID: 1, filters: ["a"])))
    }
}
