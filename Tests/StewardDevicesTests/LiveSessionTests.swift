import StewardCore
import StewardDevices
import StewardStore
import Testing

/// The WebSocket protocol as a value: ThingsBoard's two envelopes, authentication, limits and errors, without sockets.
@Suite struct LiveSessionTests {
    let scope = Scope(user: UserID(), authority: .tenantAdmin, tenant: TenantID(), customer: nil)
    var authentication: LiveAuthentication { LiveAuthentication(scope: scope, expiresAt: 100_000) }
    let device = "784f394c-42b6-435a-983c-b7beff2784f9"

    func open(_ format: LiveSession.Format = .telemetryPlugin) -> LiveSession {
        LiveSession(format: format, authentication: authentication, now: 1_000)
    }

    func requests(_ actions: [LiveSession.Action]) -> [LiveRequest] {
        actions.compactMap { if case .run(let request) = $0 { return request } else { return nil } }
    }

    func errors(_ actions: [LiveSession.Action]) -> [JSONValue] {
        actions.compactMap { action in
            guard case .send(let text) = action, let json = try? JSONParser.parse(text), json["errorCode"] != .number("0") else { return nil }
            return json
        }
    }

    @Test func pluginCommandsBecomeRequests() {
        var session = open()
        let text = """
            {"tsSubCmds":[{"cmdId":1,"entityType":"DEVICE","entityId":"\(device)","keys":"temperature,humidity","scope":"LATEST_TELEMETRY"}],
             "attrSubCmds":[{"cmdId":2,"entityType":"DEVICE","entityId":"\(device)","scope":"SHARED_SCOPE"}],
             "historyCmds":[{"cmdId":3,"entityType":"DEVICE","entityId":"\(device)","keys":"temperature","startTs":10,"endTs":900,"interval":100,"agg":"AVG","limit":50}]}
            """
        let found = requests(session.handle(.text(text), now: 1_000))
        #expect(found.map(\.cmdId) == [1, 2, 3])
        #expect(found[0].operation == .timeseries(keys: ["temperature", "humidity"], window: nil))
        #expect(found[1].operation == .attributes(scope: .shared, keys: nil))
        guard case .history(let query) = found[2].operation else {
            Issue.record("expected a history")
            return
        }
        #expect(query.keys == ["temperature"] && query.startTs == 10 && query.endTs == 900)
        #expect(query.interval == 100 && query.aggregation == .avg && query.limit == 50)
        #expect(found.allSatisfy { $0.deviceID == device && $0.scope == scope })
    }

    @Test func aTimeWindowOpensWithTheHistoryUpToNow() {
        var session = open()
        let text = #"{"tsSubCmds":[{"cmdId":4,"entityType":"DEVICE","entityId":"d","keys":"t","timeWindow":500,"agg":"NONE","limit":10}]}"#
        let found = requests(session.handle(.text(text), now: 2_000))
        guard case .timeseries(_, let window?) = found.first?.operation else {
            Issue.record("expected a windowed subscription")
            return
        }
        #expect(window.startTs == 1_500 && window.endTs == 2_000 && window.limit == 10)
    }

    @Test func theGeneralEndpointWaitsForAuthCmdAndRunsTheCommandsThatCameWithIt() {
        var session = LiveSession(format: .general, authentication: nil, now: 0)
        let text = """
            {"authCmd":{"cmdId":0,"token":"jwt"},"cmds":[{"type":"TIMESERIES","cmdId":7,"entityType":"DEVICE","entityId":"\(device)","keys":"t"},
             {"type":"ATTRIBUTES","cmdId":8,"entityType":"DEVICE","entityId":"\(device)","scope":"CLIENT_SCOPE"},
             {"type":"TIMESERIES_HISTORY","cmdId":9,"entityType":"DEVICE","entityId":"\(device)","keys":"t","startTs":0,"endTs":5}]}
            """
        #expect(session.handle(.text(text), now: 10) == [.authenticate(token: "jwt")])
        let found = requests(session.handle(.authenticated(authentication), now: 20))
        #expect(found.map(\.cmdId) == [7, 8, 9])
        #expect(found[1].operation == .attributes(scope: .client, keys: nil))
    }

    @Test func withoutAuthCmdTheGeneralSessionCloses() {
        var first = LiveSession(format: .general, authentication: nil, now: 0)
        guard case .close(1008, let reason)? = first.handle(.text(#"{"cmds":[]}"#), now: 1).first else {
            Issue.record("expected a close")
            return
        }
        #expect(reason.contains("Auth cmd is missing"))
        #expect(first.isClosed)

        var silent = LiveSession(format: .general, authentication: nil, now: 0)
        #expect(silent.handle(.tick, now: 9_999).isEmpty)
        guard case .close(1008, let timeout)? = silent.handle(.tick, now: 10_000).first else {
            Issue.record("expected the authentication timeout")
            return
        }
        #expect(timeout.contains("within 10 s"))
        #expect(silent.handle(.text(#"{"authCmd":{"token":"late"}}"#), now: 10_001).isEmpty)
    }

    @Test func aRefusedTokenClosesWithTheReason() {
        var session = LiveSession(format: .general, authentication: nil, now: 0)
        _ = session.handle(.text(#"{"authCmd":{"cmdId":0,"token":"bad"}}"#), now: 1)
        #expect(session.handle(.authenticationFailed("Token has expired"), now: 2) == [.close(code: 1008, reason: "Authentication failed: Token has expired")])
    }

    @Test func anExpiredTokenEndsTheSessionMidway() {
        var session = open()
        #expect(session.handle(.tick, now: 99_999) == [.recheck])
        guard case .close(1008, let reason)? = session.handle(.tick, now: 100_000).first else {
            Issue.record("expected a close at expiry")
            return
        }
        #expect(reason.contains("Token has expired"))
        #expect(session.handle(.text(#"{"tsSubCmds":[]}"#), now: 100_001).isEmpty)
    }

    @Test func malformedJSONIsAnErrorAndTheSessionGoesOn() {
        var session = open()
        let refused = errors(session.handle(.text("{not json"), now: 1))
        #expect(refused.count == 1)
        #expect(refused.first?["subscriptionId"] == .number("0") && refused.first?["errorCode"] == .number("2"))
        #expect(refused.first?["errorMsg"]?.stringValue?.contains("Failed to parse the payload") == true)
        #expect(!session.isClosed)
        let text = #"{"tsSubCmds":[{"cmdId":1,"entityType":"DEVICE","entityId":"d"}]}"#
        #expect(requests(session.handle(.text(text), now: 2)).count == 1)
    }

    @Test func unknownCommandsAndEntityTypesAndMissingFieldsAreNamed() {
        var session = open()
        let text = """
            {"fooCmds":[],"entityDataCmds":[],"tsSubCmds":[{"cmdId":1,"entityType":"ASSET","entityId":"a"},{"cmdId":2,"entityType":"DEVICE"},
             {"entityType":"DEVICE","entityId":"d"},{"cmdId":3,"entityType":"DEVICE","entityId":"d","scope":"CLIENT_SCOPE"}],
             "historyCmds":[{"cmdId":4,"entityType":"DEVICE","entityId":"d","keys":"t"}],
             "attrSubCmds":[{"cmdId":5,"entityType":"DEVICE","entityId":"d","scope":"NOPE"}]}
            """
        let messages = errors(session.handle(.text(text), now: 1)).map { ($0["subscriptionId"]!, $0["errorMsg"]!.stringValue!) }
        #expect(messages.count == 8)
        #expect(messages.contains { $0.0 == .number("0") && $0.1.contains("Unknown command 'fooCmds'") })
        #expect(messages.contains { $0.0 == .number("0") && $0.1.contains("entityDataCmds is not supported") })
        #expect(messages.contains { $0.0 == .number("0") && $0.1.contains("cmdId is missing") })
        #expect(messages.contains { $0.0 == .number("1") && $0.1 == "Entity type ASSET is not supported; Steward serves DEVICE" })
        #expect(messages.contains { $0.0 == .number("2") && $0.1 == "entityId is missing" })
        #expect(messages.contains { $0.0 == .number("3") && $0.1.contains("LATEST_TELEMETRY") })
        #expect(messages.contains { $0.0 == .number("4") && $0.1.contains("startTs and endTs are required") })
        #expect(messages.contains { $0.0 == .number("5") && $0.1.contains("Invalid scope: NOPE") })
        #expect(!session.isClosed)

        var general = open(.general)
        let unknownType = errors(general.handle(.text(#"{"cmds":[{"type":"FOO","cmdId":6}]}"#), now: 1))
        #expect(unknownType.first?["subscriptionId"] == .number("6"))
        #expect(unknownType.first?["errorMsg"]?.stringValue?.contains("Unknown command 'FOO'") == true)
    }

    @Test func anOversizeMessageClosesWith1009() {
        var session = open()
        let text = #"{"tsSubCmds":[],"pad":""# + String(repeating: "x", count: LiveSession.maximumMessageBytes) + #""}"#
        guard case .close(1009, let reason)? = session.handle(.text(text), now: 1).first else {
            Issue.record("expected 1009")
            return
        }
        #expect(reason.contains("32768-byte limit"))
    }

    @Test func unsubscribeStopsOnlyARunningSubscription() {
        var session = open()
        _ = session.handle(.text(#"{"tsSubCmds":[{"cmdId":1,"entityType":"DEVICE","entityId":"d"}]}"#), now: 1)
        #expect(session.handle(.text(#"{"tsSubCmds":[{"cmdId":1,"unsubscribe":true}]}"#), now: 2) == [.unsubscribe(cmdId: 1)])
        #expect(session.handle(.text(#"{"tsSubCmds":[{"cmdId":1,"unsubscribe":true}]}"#), now: 3).isEmpty)
        var general = open(.general)
        _ = general.handle(.text(#"{"cmds":[{"type":"ATTRIBUTES","cmdId":2,"entityType":"DEVICE","entityId":"d"}]}"#), now: 1)
        #expect(general.handle(.text(#"{"cmds":[{"type":"ATTRIBUTES_UNSUBSCRIBE","cmdId":2}]}"#), now: 2) == [.unsubscribe(cmdId: 2)])
    }

    @Test func anOpenSessionIsCheckedAgainEvery30Seconds() {
        var session = LiveSession(format: .telemetryPlugin, authentication: LiveAuthentication(scope: scope, expiresAt: nil), now: 0)
        #expect(session.handle(.tick, now: 29_999).isEmpty)
        #expect(session.handle(.tick, now: 30_000) == [.recheck])
        #expect(session.handle(.tick, now: 30_001).isEmpty)
        _ = session.handle(.text(#"{"tsSubCmds":[{"cmdId":1,"entityType":"DEVICE","entityId":"d"}]}"#), now: 30_002)
        let ended = session.handle(.subscriptionEnded(cmdId: 1, reason: "Device with id [d] is not found"), now: 30_003)
        #expect(ended.first == .unsubscribe(cmdId: 1))
        #expect(errors(ended).first?["errorCode"] == .number("3"))
        #expect(session.handle(.subscriptionEnded(cmdId: 1, reason: "again"), now: 30_004).isEmpty)
        _ = session.handle(.text(#"{"tsSubCmds":[{"cmdId":2,"entityType":"DEVICE","entityId":"foreign"}]}"#), now: 30_004)
        #expect(session.handle(.refused(cmdId: 2), now: 30_004).isEmpty)
        #expect(session.handle(.text(#"{"tsSubCmds":[{"cmdId":2,"unsubscribe":true}]}"#), now: 30_004).isEmpty, "nothing runs")
        #expect(session.handle(.credentialsEnded("Signed out"), now: 30_005) == [.close(code: 1008, reason: "Signed out")])
        #expect(session.isClosed)
    }

    @Test func updateFramesHaveThingsBoardsShape() throws {
        let frame = LiveFrames.update(subscriptionID: 3, series: [("t", [(1, .double(21.5)), (2, .long(22))]), ("on", [(5, .bool(true))])])
        #expect(frame == #"{"subscriptionId":3,"errorCode":0,"errorMsg":null,"data":{"t":[[1,"21.5"],[2,"22"]],"on":[[5,"true"]]},"latestValues":{"t":2,"on":5}}"#)
        let error = try JSONParser.parse(LiveFrames.error(subscriptionID: 4, code: .unauthorized, message: "Device with id [x] is not found"))
        #expect(error["errorCode"] == .number("3") && error["errorMsg"] == .string("Device with id [x] is not found"))
        #expect(error["data"] == .null && error["latestValues"] == .object([]))
    }
}
