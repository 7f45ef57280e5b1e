import Logging
import MQTTCore
import NIOCore
import StewardCore
import StewardDevices

/// Whom a ThingsBoard MQTT session speaks for.
enum ThingsBoardPrincipal: Sendable, Equatable {
    /// A device authenticated by its access token (the CONNECT user name).
    case device(Device)
    /// A client that connected as `provision` to obtain credentials; it may only publish a provisioning request.
    case provisioning
}

/// Receives the end of a PUBLISH's work, from any thread; the session turns it into its acknowledgement.
protocol PublishCompletion: Sendable {
    /// The work finished: answer with `outcome`.
    func finish(_ outcome: AckOutcome)
    /// The work failed: the session answers as `ThingsBoardDialect.outcome(for:version:qos:)` says.
    func fail(_ error: any Error)
}

/// What ThingsBoard's MQTT API means: which CONNECT is a device, which topic calls which device-service method, and
/// how each failure is answered per protocol version. MQTT itself (ordering, keep-alive, backpressure) is the
/// session's (`MQTTSessionStateMachine`).
struct ThingsBoardDialect: Sendable {
    let api: any ThingsBoardDeviceAPI

    // MARK: CONNECT

    /// What a CONNECT's credentials ask for.
    enum Credentials: Equatable {
        /// User name or client id `provision`: a provisioning session, no authentication.
        case provisioning
        /// An access token to look up.
        case token(String)
        /// Refused without a lookup, with these CONNACK codes.
        case refused(v5: UInt8, v3: UInt8)
    }

    /// ThingsBoard's rules: the access token is the user name; no user name is refused with the code that says
    /// what was missing.
    static func credentials(of connect: MQTTConnect) -> Credentials {
        let username = connect.username ?? ""
        if username == "provision" || connect.clientID == "provision" { return .provisioning }
        guard username.isEmpty else { return .token(username) }
        if connect.password == nil {
            return connect.clientID.isEmpty
                ? .refused(v5: MQTTReasonCode.notAuthorized, v3: MQTTReasonCode.v3NotAuthorized)
                : .refused(v5: MQTTReasonCode.clientIdentifierNotValid, v3: MQTTReasonCode.v3IdentifierRejected)
        }
        return .refused(v5: MQTTReasonCode.badUsernameOrPassword, v3: MQTTReasonCode.v3NotAuthorized)
    }

    // MARK: PUBLISH

    /// The device-service call a device PUBLISH asks for, by topic.
    enum Route: Equatable {
        case telemetry
        case clientAttributes
        case attributeRequest(id: Int32)
        case rpcResponse(id: Int32)
        case rpcRequest(id: Int32)
        case claim
        /// A request or response topic whose id is not a Java `int` (ThingsBoard: a payload error).
        case invalidRequestID
        /// A topic ThingsBoard does not serve.
        case unknown
    }

    static func route(_ topic: String) -> Route {
        // Telemetry first: it is nearly every PUBLISH.
        if topic == DeviceTopics.telemetry { return .telemetry }
        if topic == DeviceTopics.attributes { return .clientAttributes }
        if let id = DeviceTopics.requestID(topic, prefix: DeviceTopics.attributesRequestPrefix) {
            return .attributeRequest(id: id)
        }
        if let id = DeviceTopics.requestID(topic, prefix: DeviceTopics.rpcResponsePrefix) { return .rpcResponse(id: id) }
        if let id = DeviceTopics.requestID(topic, prefix: DeviceTopics.rpcRequestPrefix) { return .rpcRequest(id: id) }
        if topic == DeviceTopics.claim { return .claim }
        if DeviceTopics.hasRequestPrefix(topic) { return .invalidRequestID }
        return .unknown
    }

    /// Starts the work a device's PUBLISH asks for; `completion` hears how it ended, possibly before this returns.
    func handle(
        _ publish: MQTTPublish, device: Device, version: MQTTProtocolVersion, logger: Logger,
        completion: some PublishCompletion
    ) {
        let api = self.api
        let payload = publish.payload
        switch Self.route(publish.topic) {
        case .telemetry:
            api.submitTelemetry(device, payload: payload) { result in
                switch result {
                case .success: completion.finish(.ack(MQTTReasonCode.success, followUp: nil))
                case .failure(let error): completion.fail(error)
                }
            }
        case .clientAttributes:
            Self.run(completion) {
                try await api.saveClientAttributes(device, payload: payload)
                return nil
            }
        case .attributeRequest(let id):
            Self.run(completion) {
                let json = try await api.attributeResponse(device, request: payload)
                return ResponsePublish(topic: DeviceTopics.attributesResponsePrefix + String(id), payload: json)
            }
        case .rpcResponse(let id):
            api.replyRPC(device, id: Int(id), payload: payload)
            completion.finish(.ack(MQTTReasonCode.success, followUp: nil))
        case .rpcRequest(let id):
            do {
                let reply = try api.clientRPC(device, payload: payload)
                let response = ResponsePublish(topic: DeviceTopics.rpcResponsePrefix + String(id), payload: reply)
                completion.finish(.ack(MQTTReasonCode.success, followUp: response))
            } catch {
                completion.fail(error)
            }
        case .claim:
            Self.run(completion) {
                try await api.offerClaim(device, payload: payload)
                return nil
            }
        case .invalidRequestID:
            // ThingsBoard parses the id with Integer.parseInt: a non-integer id is a payload error, not an unknown topic.
            completion.fail(StewardError.badRequest("The request id in '\(publish.topic)' must be an integer"))
        case .unknown:
            logger.debug("PUBLISH to a topic Steward does not serve", metadata: ["topic": "\(publish.topic)"])
            completion.finish(.ack(version == .v5 ? MQTTReasonCode.topicNameInvalid : MQTTReasonCode.success, followUp: nil))
        }
    }

    /// Starts a provisioning request; `completion` gets the response publish.
    func provision(_ publish: MQTTPublish, completion: some PublishCompletion) {
        let api = self.api
        let payload = publish.payload
        Self.run(completion) {
            ResponsePublish(topic: DeviceTopics.provisionResponse, payload: await api.provision(payload: payload))
        }
    }

    /// Runs store work off the event loop and completes with its response publish, if any.
    static func run(
        _ completion: some PublishCompletion, _ work: @escaping @Sendable () async throws -> ResponsePublish?
    ) {
        Task {
            do {
                completion.finish(.ack(MQTTReasonCode.success, followUp: try await work()))
            } catch {
                completion.fail(error)
            }
        }
    }

    // MARK: Failures

    /// ThingsBoard's per-version answer to a failed PUBLISH: a bad payload gets PUBACK 0x99 with the reason on
    /// MQTT 5 and closes the connection on 3.1.1; storage full (0x97) or unavailable (0x83) is said in the PUBACK on
    /// MQTT 5 and the session goes on; QoS 0 has no PUBACK to carry a refusal, so it ends the session with the
    /// reason; anything else ends the session unacknowledged.
    static func outcome(for error: any Error, version: MQTTProtocolVersion, qos: MQTTQoS) -> AckOutcome {
        let kind = (error as? StewardError)?.kind
        let reason: UInt8
        switch kind {
        case .storageFull: reason = MQTTReasonCode.quotaExceeded
        case .unavailable: reason = MQTTReasonCode.implementationSpecificError
        case .badRequest: reason = MQTTReasonCode.payloadFormatInvalid
        default: return .disconnect(MQTTReasonCode.implementationSpecificError)
        }
        if version == .v5 && qos != .atMostOnce {
            // The reason string says what was wrong, as the HTTP API's answer does.
            return .refuse(reason, reason: "\(error)")
        }
        return .disconnect(reason)
    }
}
