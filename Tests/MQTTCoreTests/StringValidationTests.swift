import NIOCore
import Testing

@testable import MQTTCore

@Suite("UTF-8 strings and topic names")
struct StringValidationTests {
    static let invalidUTF8: [[UInt8]] = [
        [0xC0, 0x80],  // overlong NUL
        [0xC1, 0xBF],  // overlong
        [0xE0, 0x80, 0x80],  // overlong 3-byte
        [0xED, 0xA0, 0x80],  // UTF-16 surrogate U+D800
        [0xED, 0xBF, 0xBF],  // surrogate U+DFFF
        [0xF0, 0x80, 0x80, 0x80],  // overlong 4-byte
        [0xF4, 0x90, 0x80, 0x80],  // above U+10FFFF
        [0xF5, 0x80, 0x80, 0x80],  // invalid lead byte
        [0xFF],
        [0x80],  // lone continuation
        [0x61, 0xE6, 0x97],  // truncated sequence
        [0xE6, 0x97, 0x41],  // bad continuation
        [0xC3],  // truncated at end
    ]

    @Test("Invalid UTF-8 in a PUBLISH topic is malformed", arguments: invalidUTF8)
    func invalidTopic(bytes: [UInt8]) {
        let topic = [UInt8(0), UInt8(bytes.count)] + bytes
        for version in [MQTTProtocolVersion.v3_1_1, .v5] {
            let body = version == .v5 ? topic + [0] : topic
            expectMalformed(frame(0x30, body), version: version, "PUBLISH topic is not valid UTF-8")
        }
    }

    @Test("Valid multi-byte UTF-8 is accepted", arguments: [
        "é", "日本語", "😀/🚀", "\u{FFFF}", "\u{10FFFF}", "\u{7F}", "a\u{FEFF}b",
    ])
    func validUTF8(topic: String) throws {
        let packet = MQTTPacket.publish(MQTTPublish(topic: topic, payload: buffer("p")))
        #expect(try decodeOne(encodeBytes(packet, .v3_1_1), version: .v3_1_1) == packet)
        var input = buffer(str(topic))
        #expect(try input.readMQTTString("s") == topic)
    }

    @Test("U+0000 is rejected in every string field")
    func nullCharacter() {
        expectMalformed(frame(0x30, str("a\u{0}b")), version: .v3_1_1, "PUBLISH topic contains U+0000")
        expectMalformed(
            frame(0x10, str("MQTT") + [4, 2, 0, 60] + str("id\u{0}")),
            version: nil,
            "CONNECT client identifier contains U+0000"
        )
        expectMalformed(
            frame(0x10, str("MQTT") + [4, 0x82, 0, 60] + str("id") + str("\u{0}")),
            version: nil,
            "CONNECT username contains U+0000"
        )
        expectMalformed(frame(0x82, [0, 1] + str("a/\u{0}") + [0]), version: .v3_1_1,
                        "SUBSCRIBE topic filter contains U+0000")
        expectMalformed(frame(0xA2, [0, 1] + str("\u{0}")), version: .v3_1_1,
                        "UNSUBSCRIBE topic filter contains U+0000")
        let userProperty: [UInt8] = [0x26] + str("k") + str("\u{0}")
        expectMalformed(frame(0x40, [0, 1, 0, UInt8(userProperty.count)] + userProperty), version: .v5,
                        "PUBACK property User Property value contains U+0000")
    }

    @Test("Invalid UTF-8 in other string fields")
    func invalidElsewhere() {
        expectMalformed(frame(0x10, str("MQTT") + [4, 2, 0, 60] + [0, 2, 0xC0, 0x80]), version: nil,
                        "CONNECT client identifier is not valid UTF-8")
        let reason: [UInt8] = [0x1F, 0x00, 0x01, 0xFF]
        expectMalformed(frame(0x40, [0, 1, 0x80, UInt8(reason.count)] + reason), version: .v5,
                        "PUBACK property Reason String is not valid UTF-8")
    }

    @Test("PUBLISH topic must not contain wildcards", arguments: ["a/+", "#", "a/#", "+", "sport+", "a#b"])
    func wildcardTopic(topic: String) {
        expectMalformed(frame(0x30, str(topic)), version: .v3_1_1, "PUBLISH topic contains wildcard")
        expectMalformed(frame(0x30, str(topic) + [0]), version: .v5, "PUBLISH topic contains wildcard")
    }

    @Test("Empty PUBLISH topic only with a v5 topic alias")
    func emptyTopic() throws {
        expectMalformed(frame(0x30, str("") + Array("x".utf8)), version: .v3_1_1, "PUBLISH topic is empty")
        expectMalformed(frame(0x30, str("") + [0]), version: .v5, "PUBLISH topic is empty")
        expectMalformed(frame(0x30, str("") + [2, 0x01, 0x01]), version: .v5, "PUBLISH topic is empty")
        let aliased = frame(0x30, str("") + [3, 0x23, 0x00, 0x05] + Array("x".utf8))
        #expect(try decodeOne(aliased, version: .v5)
            == .publish(MQTTPublish(topic: "", payload: buffer("x"), properties: [.topicAlias(5)])))
    }

    @Test("String length beyond the packet is malformed")
    func stringOverrun() {
        expectMalformed(frame(0x30, [0x00, 0x0A, 0x61, 0x62, 0x63]), version: .v3_1_1,
                        "PUBLISH topic length 10 exceeds the 3 remaining byte(s)")
        expectMalformed(frame(0x30, [0x00]), version: .v3_1_1, "PUBLISH topic length missing")
        expectMalformed(frame(0x30, []), version: .v3_1_1, "PUBLISH topic length missing")
    }

    @Test("UTF-8 checker reports wildcards")
    func checker() {
        let result = Array("a/+/b".utf8).withUnsafeBytes { mqttCheckUTF8($0) }
        guard case .valid(let hasWildcard) = result else {
            Issue.record("expected valid")
            return
        }
        #expect(hasWildcard)
    }
}
