import Hummingbird
import StewardAuth
import StewardCore
import StewardDevices
import StewardStore

/// Server-side RPC from the REST API: `/api/plugins/rpc/{oneway|twoway}/{id}` (v1: 408 on timeout) and
/// `/api/rpc/{oneway|twoway}/{id}` (v2: 504 on timeout).
struct RPCRoutes {
    let web: WebContext
    static let defaultTimeoutMs: Int64 = 10_000
    static let minimumTimeoutMs: Int64 = 5_000
    /// The longest a caller may wait for a device's answer: one day.
    static let maximumTimeoutMs: Int64 = 86_400_000

    func register(on router: some RouterMethods<StewardRequestContext>) {
        for (prefix, timeoutStatus) in [("api/plugins/rpc", HTTPResponse.Status.requestTimeout), ("api/rpc", .gatewayTimeout)] {
            for oneWay in [true, false] {
                router.post("\(prefix)/\(oneWay ? "oneway" : "twoway")/:deviceId") { request, context in
                    try await call(request, context, oneWay: oneWay, timeoutStatus: timeoutStatus)
                }
            }
        }
    }

    func call(_ request: Request, _ context: StewardRequestContext, oneWay: Bool, timeoutStatus: HTTPResponse.Status) async throws
        -> Response
    {
        let principal = try context.requireIdentity()
        let device = try await web.visibleDevice(principal, try context.parameters.require("deviceId"))
        let body = try await WebContext.parseBody(request, limit: 65_536)
        guard case .string(let method)? = body["method"], !method.isEmpty else {
            throw StewardError.badRequest("Invalid request body: 'method' is required")
        }
        var timeout = try IntegerInput.member(body, "timeout", range: 0...Self.maximumTimeoutMs) ?? Self.defaultTimeoutMs
        timeout = max(timeout, Self.minimumTimeoutMs)
        if let expiration = try IntegerInput.member(body, "expirationTime", range: IntegerInput.timestamps), expiration > 0 {
            timeout = max(min(timeout, expiration - WallClock.nowMillis()), 0)
        }
        let params = body["params"]?.serialized ?? "null"
        let hub = web.deviceService.hub
        let deviceID = device.id
        let wait = Duration.milliseconds(timeout)
        // Every session and key of one user counts as one caller; if the caller hangs up, the request is dropped.
        let caller = "user:\(principal.userID)"
        let outcome = await CallerGoneWatcher.run(on: context.channel) {
            await hub.callRPC(
                deviceID, method: method, paramsJSON: params, oneWay: oneWay, timeout: wait, caller: caller)
        }
        switch outcome {
        case .refused(.stopping):
            throw APIError(status: .serviceUnavailable, message: RPCRefusal.stopping.description, errorCode: 2)
        case .refused(let refusal):
            throw APIError(status: .tooManyRequests, message: refusal.description, errorCode: 2)
        case .abandoned:
            // Nobody is listening any more; the status only shows in logs.
            throw APIError(status: .requestTimeout, message: "The caller went away; RPC '\(method)' was dropped", errorCode: 2)
        case .delivered:
            return HTTP.ok()
        case .timeout:
            throw APIError(status: timeoutStatus, message: "Timeout waiting for the device to answer RPC '\(method)'", errorCode: 2)
        case .reply(let payload):
            if payload.isEmpty { return HTTP.ok() }
            guard (try? JSONParser.parse(payload)) != nil else {
                throw APIError(status: .notAcceptable, message: "The device replied with a payload that is not JSON", errorCode: 2)
            }
            return HTTP.json(payload)
        }
    }
}
