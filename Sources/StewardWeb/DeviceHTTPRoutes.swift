import Hummingbird
import StewardStore
import StewardAuth
import NIOCore
import StewardCore
import StewardDevices

/// ThingsBoard's HTTP device API under `/api/v1/{token}`: the same operations as MQTT, through the same
/// `DeviceService`.
struct DeviceHTTPRoutes {
    let service: DeviceService
    let provisioning: ProvisioningService
    /// Largest telemetry or attribute body accepted.
    let maximumBodySize: Int
    /// ThingsBoard's `HTTP_REQUEST_TIMEOUT` and `HTTP_MAX_REQUEST_TIMEOUT`, in milliseconds.
    let defaultPollTimeout: Int64 = 60_000
    let maximumPollTimeout: Int64 = 300_000

    func register(on router: Router<StewardRequestContext>) {
        let group = router.group("api/v1")
        group.post("provision") { request, _ in
            try await handle {
                let body = try await HTTP.body(request, limit: 65_536)
                return HTTP.json(await provisioning.provision(payload: body.readableBytesView))
            }
        }
        group.post(":token/telemetry") { request, context in
            try await withDevice(request, context) { device in
                let body = try await HTTP.body(request, limit: maximumBodySize)
                try await service.saveTelemetry(device, payload: body.readableBytesView)
                return HTTP.ok()
            }
        }
        group.post(":token/attributes") { request, context in
            try await withDevice(request, context) { device in
                let body = try await HTTP.body(request, limit: maximumBodySize)
                try await service.saveClientAttributes(device, payload: body.readableBytesView)
                return HTTP.ok()
            }
        }
        group.get(":token/attributes") { request, context in
            try await withDevice(request, context) { device in
                let query = request.uri.queryParameters
                let client = Self.keys(query.getAll("clientKeys"))
                let shared = Self.keys(query.getAll("sharedKeys"))
                return HTTP.json(try await service.attributeResponse(device, clientKeys: client, sharedKeys: shared))
            }
        }
        group.get(":token/attributes/updates") { request, context in
            try await withDevice(request, context) { device in
                try await longPoll(request, subscribe: { service.hub.subscribeAttributes(device.id, $0) },
                    unsubscribe: { service.hub.unsubscribeAttributes(device.id, $0) })
            }
        }
        group.get(":token/rpc") { request, context in
            try await withDevice(request, context) { device in
                try await longPoll(request, subscribe: { service.hub.subscribeRPC(device.id, $0) },
                    unsubscribe: { service.hub.unsubscribeRPC(device.id, $0) })
            }
        }
        group.post(":token/rpc/:requestId") { request, context in
            try await withDevice(request, context) { device in
                guard let id = context.parameters.get("requestId", as: Int32.self) else {
                    throw StewardError.badRequest("The RPC request id must be an integer")
                }
                let body = try await HTTP.body(request, limit: 65_536)
                service.replyRPC(device, id: Int(id), payload: body.readableBytesView)
                return HTTP.ok()
            }
        }
        group.post(":token/rpc") { request, context in
            try await withDevice(request, context) { device in
                let body = try await HTTP.body(request, limit: 65_536)
                return HTTP.json(try service.clientRPC(device, payload: body.readableBytesView))
            }
        }
        group.post(":token/claim") { request, context in
            try await withDevice(request, context) { device in
                let body = try await HTTP.body(request, limit: 65_536)
                try await service.offerClaim(device, payload: body.readableBytesView)
                return HTTP.ok()
            }
        }
    }

    func handle(_ body: () async throws -> Response) async throws -> Response {
        do {
            return try await body()
        } catch {
            throw DeviceAPIError.from(error)
        }
    }

    func withDevice(
        _ request: Request, _ context: StewardRequestContext, _ body: (Device) async throws -> Response
    ) async throws -> Response {
        try await handle {
            let token = try context.parameters.require("token")
            guard let device = try await service.authenticate(token: token) else {
                throw StewardError.unauthorized("Unknown device token")
            }
            return try await body(device)
        }
    }

    /// Holds the request until the hub pushes to it or the timeout passes (408), as ThingsBoard's long polls do.
    func longPoll(
        _ request: Request, subscribe: (LongPollSink) -> Void, unsubscribe: (LongPollSink) -> Void
    ) async throws -> Response {
        let timeout = try pollTimeout(request)
        let sink = LongPollSink()
        let outcome = await sink.wait(timeout: timeout) { subscribe(sink) } unregister: { unsubscribe(sink) }
        return Self.response(outcome)
    }

    /// The long poll's `timeout` query parameter in milliseconds (0 or absent: the default), capped at the maximum.
    func pollTimeout(_ request: Request) throws -> Duration {
        var timeout = try IntegerInput.parse(
            request.uri.queryParameters.get("timeout"), name: "timeout", range: 0...Int64(Int32.max)) ?? 0
        if timeout == 0 { timeout = defaultPollTimeout }
        return .milliseconds(min(timeout, maximumPollTimeout))
    }

    static func response(_ outcome: LongPollSink.Outcome) -> Response {
        switch outcome {
        case .message(let json): return HTTP.json(json)
        case .timeout: return Response(status: .requestTimeout)
        case .closed: return Response(status: .forbidden)
        }
    }

    /// Spring joins repeated parameters with commas; absent means nil (all keys).
    static func keys(_ values: [String]) -> [String]? {
        guard !values.isEmpty else { return nil }
        return values.flatMap { ThingsBoardJSON.splitKeys($0) }
    }
}
