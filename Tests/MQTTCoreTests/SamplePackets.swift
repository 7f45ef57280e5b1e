import NIOCore

@testable import MQTTCore

/// Representative packets of every type, used by round-trip and fuzz tests.
enum Samples {
    static let v311: [MQTTPacket] = [
        .connect(MQTTConnect(version: .v3_1_1, clientID: "sensor-1")),
        .connect(
            MQTTConnect(
                version: .v3_1_1,
                clientID: "",
                cleanStart: false,
                keepAliveSeconds: 0,
                username: "user",
                password: buffer([0, 1, 2, 0xFF]),
                will: MQTTWill(topic: "dev/status", payload: buffer("offline"), qos: .exactlyOnce, retain: true)
            )
        ),
        .connect(MQTTConnect(version: .v3_1_1, clientID: "u", username: "only-user")),
        .connack(MQTTConnAck(sessionPresent: true, returnCode: 0)),
        .connack(MQTTConnAck(sessionPresent: false, returnCode: 5)),
        .publish(MQTTPublish(topic: "a/b", payload: buffer("hello"))),
        .publish(MQTTPublish(topic: "a/b", payload: buffer([]), qos: .atLeastOnce, retain: true, packetID: 1)),
        .publish(
            MQTTPublish(topic: "日本/é", payload: buffer("x"), qos: .exactlyOnce, dup: true, packetID: 65_535)
        ),
        .publish(MQTTPublish(topic: "big", payload: buffer([UInt8](repeating: 0xAB, count: 20_000)))),
        .puback(MQTTAck(packetID: 7)),
        .pubrec(MQTTAck(packetID: 8)),
        .pubrel(MQTTAck(packetID: 9)),
        .pubcomp(MQTTAck(packetID: 10)),
        .subscribe(
            MQTTSubscribe(
                packetID: 11,
                subscriptions: [
                    MQTTSubscription(filter: "a/+/c", qos: .atMostOnce),
                    MQTTSubscription(filter: "#", qos: .exactlyOnce),
                ]
            )
        ),
        .suback(MQTTSubAck(packetID: 11, reasonCodes: [0, 1, 2, 0x80])),
        .unsubscribe(MQTTUnsubscribe(packetID: 12, filters: ["a/+/c", "#"])),
        .unsuback(MQTTUnsubAck(packetID: 12)),
        .pingreq,
        .pingresp,
        .disconnect(MQTTDisconnect()),
    ]

    static let v5: [MQTTPacket] = [
        .connect(MQTTConnect(version: .v5, clientID: "c5")),
        .connect(
            MQTTConnect(
                version: .v5,
                clientID: "client-5",
                cleanStart: true,
                keepAliveSeconds: 30,
                username: nil,
                password: buffer("secret"),
                will: MQTTWill(
                    topic: "will/t",
                    payload: buffer("bye"),
                    qos: .atLeastOnce,
                    retain: false,
                    properties: [.willDelayInterval(5), .payloadFormatIndicator(1), .contentType("text/plain")]
                ),
                properties: [
                    .sessionExpiryInterval(3600), .receiveMaximum(20), .maximumPacketSize(1 << 20),
                    .topicAliasMaximum(10), .requestProblemInformation(1), .requestResponseInformation(0),
                    .userProperty("k", "v"), .userProperty("k", "v2"),
                ]
            )
        ),
        .connack(
            MQTTConnAck(
                sessionPresent: true,
                returnCode: 0,
                properties: [.assignedClientIdentifier("auto-1"), .serverKeepAlive(15), .maximumQoS(1)]
            )
        ),
        .connack(MQTTConnAck(sessionPresent: false, returnCode: 0x87, properties: [.reasonString("not authorized")])),
        .connack(MQTTConnAck()),
        .publish(MQTTPublish(topic: "a/b", payload: buffer("hello"))),
        .publish(
            MQTTPublish(
                topic: "",
                payload: buffer("aliased"),
                qos: .atLeastOnce,
                packetID: 3,
                properties: [.topicAlias(4)]
            )
        ),
        .publish(
            MQTTPublish(
                topic: "req/1",
                payload: buffer([1, 2, 3]),
                qos: .exactlyOnce,
                retain: true,
                dup: true,
                packetID: 300,
                properties: [
                    .payloadFormatIndicator(0), .messageExpiryInterval(60), .contentType("application/json"),
                    .responseTopic("resp/1"), .correlationData(buffer([9, 9])), .subscriptionIdentifier(1),
                    .subscriptionIdentifier(268_435_455), .userProperty("a", "b"),
                ]
            )
        ),
        .puback(MQTTAck(packetID: 1)),
        .puback(MQTTAck(packetID: 2, reasonCode: 0x10)),
        .puback(MQTTAck(packetID: 3, reasonCode: 0x80, properties: [.reasonString("nope")])),
        .pubrec(MQTTAck(packetID: 4, reasonCode: 0, properties: [.userProperty("x", "y")])),
        .pubrel(MQTTAck(packetID: 5, reasonCode: 0x92)),
        .pubcomp(MQTTAck(packetID: 6)),
        .subscribe(
            MQTTSubscribe(
                packetID: 7,
                subscriptions: [
                    MQTTSubscription(filter: "a/#", qos: .atLeastOnce, noLocal: true, retainAsPublished: true,
                                     retainHandling: 2),
                    MQTTSubscription(filter: "$share/g/x/+", qos: .exactlyOnce, retainHandling: 1),
                ],
                properties: [.subscriptionIdentifier(42), .userProperty("s", "t")]
            )
        ),
        .suback(MQTTSubAck(packetID: 7, reasonCodes: [1, 0x8F, 0x97], properties: [.reasonString("partial")])),
        .unsubscribe(MQTTUnsubscribe(packetID: 8, filters: ["a/#"], properties: [.userProperty("u", "v")])),
        .unsuback(MQTTUnsubAck(packetID: 8, reasonCodes: [0, 0x11], properties: [.reasonString("r")])),
        .pingreq,
        .pingresp,
        .disconnect(MQTTDisconnect()),
        .disconnect(MQTTDisconnect(reasonCode: 0x8E)),
        .disconnect(
            MQTTDisconnect(reasonCode: 0x9C, properties: [.serverReference("other:1883"), .sessionExpiryInterval(0)])
        ),
        .auth(MQTTAuth()),
        .auth(
            MQTTAuth(
                reasonCode: 0x18,
                properties: [.authenticationMethod("SCRAM-SHA-1"), .authenticationData(buffer([1, 2, 3]))]
            )
        ),
    ]
}
