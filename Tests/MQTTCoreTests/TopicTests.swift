import Testing

@testable import MQTTCore

@Suite("Topic syntax helpers")
struct TopicTests {
    @Test("Valid topic names", arguments: ["a", "a/b", "/", "a//b", "$SYS/x", "日本", " "])
    func validNames(name: String) {
        #expect(MQTTTopic.isValidName(name))
    }

    @Test("Invalid topic names", arguments: ["", "a/+", "#", "a\u{0}"])
    func invalidNames(name: String) {
        #expect(!MQTTTopic.isValidName(name))
    }

    @Test("Valid topic filters", arguments: [
        "a", "#", "+", "a/#", "+/+", "a/+/c", "/+", "+/", "a//#", "$share/g/a/+", "$share/g/#", "$SYS/#",
    ])
    func validFilters(filter: String) {
        #expect(MQTTTopic.isValidFilter(filter))
    }

    @Test("Invalid topic filters", arguments: [
        "", "a#", "a/#/b", "#/", "a+", "+a", "a/b+/c", "$share/g", "$share//a", "$share/g+/a", "$share/g/", "a\u{0}",
    ])
    func invalidFilters(filter: String) {
        #expect(!MQTTTopic.isValidFilter(filter))
    }

    @Test("QoS ordering and version raw values")
    func enums() {
        #expect(MQTTQoS.atMostOnce < .atLeastOnce && MQTTQoS.atLeastOnce < .exactlyOnce)
        #expect(min(MQTTQoS.exactlyOnce, .atLeastOnce) == .atLeastOnce)
        #expect(MQTTProtocolVersion(rawValue: 4) == .v3_1_1)
        #expect(MQTTProtocolVersion.v5.description == "5")
    }
}
