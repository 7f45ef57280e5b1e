import Logging
import MQTTCore
import NIOCore
import StewardCore
import Testing

@testable import MQTTServer

@Suite struct ThingsBoardDialectTests {
    static let logger = Logger(label: "test")

    // MARK: CONNECT

    @Test func credentialsFollowThingsBoardsRules() {
        #expect(ThingsBoardDialect.credentials(of: MQTTConnect(version: .v5, username: "provision")) == .provisioning)
        #expect(ThingsBoardDialect.credentials(of: MQTTConnect(version: .v5, clientID: "provision")) == .provisioning)
        #expect(ThingsBoardDialect.credentials(of: MQTTConnect(version: .v5, username: "A1_TOKEN")) == .token("A1_TOKEN"))
        #expect(
            ThingsBoardDialect.credentials(of: MQTTConnect(version: .v5, clientID: ""))
                == .refused(v5: MQTTReasonCode.notAuthorized, v3: MQTTReasonCode.v3NotAuthorized))
        #expect(
            ThingsBoardDialect.credentials(of: MQTTConnect(version: .v5, clientID: "sensor"))
                == .refused(v5: MQTTReasonCode.clientIdentifierNotValid, v3: MQTTReasonCode.v3IdentifierRejected))
        #expect(
            ThingsBoardDialect.credentials(of: MQTTConnect(version: .v5, clientID: "sensor", password: ByteBuffer(string: "x")))
                == .refused(v5: MQTTReasonCode.badUsernameOrPassword, v3: MQTTReasonCode.v3NotAuthorized))
    }

    // MARK: Topics

    @Test func topicsRouteToTheirServiceCalls() {
        #expect(ThingsBoardDialect.route("v1/devices/me/telemetry") == .telemetry)
        #expect(ThingsBoardDialect.route("v1/devices/me/attributes") == .clientAttributes)
        #expect(ThingsBoardDialect.route("v1/devices/me/attributes/request/12") == .attributeRequest(id: 12))
        #expect(ThingsBoardDialect.route("v1/devices/me/rpc/request/3") == .rpcRequest(id: 3))
        #expect(ThingsBoardDialect.route("v1/devices/me/rpc/response/0") == .rpcResponse(id: 0))
        #expect(ThingsBoardDialect.route("v1/devices/me/claim") == .claim)
        #expect(ThingsBoardDialect.route("v1/devices/me/telemetry/extra") == .unknown)
        #expect(ThingsBoardDialect.route("v1/devices/me/rpc/request/abc") == .invalidRequestID)
        #expect(ThingsBoardDialect.route("v1/devices/me/rpc/request/2147483648") == .invalidRequestID, "beyond a Java int")
    }

    @Test func telemetryCompletesOnlyWhenCommitted() {
        let api = FakeDeviceAPI()
        let dialect = ThingsBoardDialect(api: api)
        let completion = RecordedCompletion()
        let publish = MQTTPublish(topic: "v1/devices/me/telemetry", payload: ByteBuffer(string: #"{"t":1}"#), qos: .atLeastOnce, packetID: 1)
        dialect.handle(publish, device: FakeDeviceAPI.device(token: "a"), version: .v5, logger: Self.logger, completion: completion)
        #expect(completion.recorded.isEmpty)
        api.commitTelemetry(at: 0)
        #expect(completion.recorded == [.finished(.ack(0, followUp: nil))])
    }

    @Test func aClientRPCIsAnsweredOnItsResponseTopic() {
        let completion = RecordedCompletion()
        let publish = MQTTPublish(topic: "v1/devices/me/rpc/request/7", payload: ByteBuffer(string: #"{"method":"getCurrentTime"}"#))
        ThingsBoardDialect(api: FakeDeviceAPI()).handle(publish, device: FakeDeviceAPI.device(token: "a"), version: .v3_1_1, logger: Self.logger, completion: completion)
        #expect(
            completion.recorded
                == [.finished(.ack(0, followUp: ResponsePublish(topic: "v1/devices/me/rpc/response/7", payload: #"{"time":1}"#)))])
    }

    @Test func anUnknownTopicIsAcknowledgedAsSuchOnMQTT5Only() {
        let publish = MQTTPublish(topic: "somewhere/else", payload: ByteBuffer(string: "{}"), qos: .atLeastOnce, packetID: 1)
        for (version, reason) in [(MQTTProtocolVersion.v5, MQTTReasonCode.topicNameInvalid), (.v3_1_1, MQTTReasonCode.success)] {
            let completion = RecordedCompletion()
            ThingsBoardDialect(api: FakeDeviceAPI()).handle(publish, device: FakeDeviceAPI.device(token: "a"), version: version, logger: Self.logger, completion: completion)
            #expect(completion.recorded == [.finished(.ack(reason, followUp: nil))])
        }
    }

    @Test func aNonIntegerRequestIDIsAPayloadError() {
        let completion = RecordedCompletion()
        let publish = MQTTPublish(topic: "v1/devices/me/attributes/request/x", payload: ByteBuffer(string: "{}"))
        ThingsBoardDialect(api: FakeDeviceAPI()).handle(publish, device: FakeDeviceAPI.device(token: "a"), version: .v5, logger: Self.logger, completion: completion)
        guard case .failed(let message) = completion.recorded.first else {
            Issue.record("expected a failure, got \(completion.recorded)")
            return
        }
        #expect(message.contains("must be an integer"))
    }

    // MARK: Failures

    @Test func failuresAreAnsweredPerVersionAndQoS() {
        let bad = StewardError.badRequest("Unexpected character")
        #expect(ThingsBoardDialect.outcome(for: bad, version: .v5, qos: .atLeastOnce) == .refuse(0x99, reason: "\(bad)"))
        #expect(ThingsBoardDialect.outcome(for: bad, version: .v5, qos: .atMostOnce) == .disconnect(0x99))
        #expect(ThingsBoardDialect.outcome(for: bad, version: .v3_1_1, qos: .atLeastOnce) == .disconnect(0x99))

        let full = StewardError.storageFull()
        #expect(ThingsBoardDialect.outcome(for: full, version: .v5, qos: .atLeastOnce) == .refuse(0x97, reason: "\(full)"))
        #expect(ThingsBoardDialect.outcome(for: full, version: .v3_1_1, qos: .atLeastOnce) == .disconnect(0x97))

        let down = StewardError(.unavailable, "database locked")
        #expect(ThingsBoardDialect.outcome(for: down, version: .v5, qos: .atLeastOnce) == .refuse(0x83, reason: "\(down)"))

        struct Unexpected: Error {}
        #expect(ThingsBoardDialect.outcome(for: Unexpected(), version: .v5, qos: .atLeastOnce) == .disconnect(0x83))
    }

    // MARK: Subscriptions

    @Test func onlyServedFiltersAreGrantedAtMostQoS1() {
        var subscriptions = ThingsBoardSubscriptions()
        let subscribe = MQTTSubscribe(packetID: 5, subscriptions: [
            MQTTSubscription(filter: DeviceTopics.attributes, qos: .exactlyOnce),
            MQTTSubscription(filter: "#", qos: .atLeastOnce),
        ])
        let v5 = subscriptions.subscribe(subscribe, allowed: DeviceTopics.deviceFilters, version: .v5)
        #expect(v5.ack == MQTTSubAck(packetID: 5, reasonCodes: [1, MQTTReasonCode.topicFilterInvalid]))
        #expect(v5.added == [DeviceTopics.attributes])
        #expect(v5.refused == ["#"])
        let again = subscriptions.subscribe(subscribe, allowed: DeviceTopics.deviceFilters, version: .v3_1_1)
        #expect(again.ack.reasonCodes == [1, MQTTReasonCode.v3SubscribeFailure])
        #expect(again.added.isEmpty, "already subscribed")

        let (unsuback, removed) = subscriptions.unsubscribe(
            MQTTUnsubscribe(packetID: 6, filters: [DeviceTopics.attributes, "x"]), version: .v5)
        #expect(unsuback.reasonCodes == [0, MQTTReasonCode.noSubscriptionExisted])
        #expect(removed == [DeviceTopics.attributes])
    }

    @Test func responsesUseTheSubscribedQoSOrOne() {
        var subscriptions = ThingsBoardSubscriptions()
        #expect(subscriptions.responseQoS(for: "v1/devices/me/rpc/response/1") == .atLeastOnce)
        _ = subscriptions.subscribe(
            MQTTSubscribe(packetID: 1, subscriptions: [MQTTSubscription(filter: DeviceTopics.rpcResponseFilter, qos: .atMostOnce)]),
            allowed: DeviceTopics.deviceFilters, version: .v5)
        #expect(subscriptions.responseQoS(for: "v1/devices/me/rpc/response/1") == .atMostOnce)
    }
}
