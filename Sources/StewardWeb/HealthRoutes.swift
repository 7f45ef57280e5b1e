import Hummingbird
import StewardCore
import StewardStore

/// `GET /api/health`: `{"status":"UP"}` while Steward serves; 503 `{"status":"DOWN","storage":"full","message":…}`
/// while the last write failed for lack of space (a monitor sees a full disk before the devices do).
enum HealthRoutes {
    static func register(on router: Router<StewardRequestContext>, storage: StorageStatus?) {
        router.get("api/health") { _, _ in
            guard let message = storage?.fullMessage else { return HTTP.json("{\"status\":\"UP\"}") }
            var body = "{\"status\":\"DOWN\",\"storage\":\"full\",\"message\":"
            JSONValue.writeString(message, to: &body)
            body += "}"
            return HTTP.json(body, status: .serviceUnavailable)
        }
    }
}

/// The outermost word on errors: a full disk or quota is "storage full" (507) wherever it surfaced, and is
/// recorded for `/api/health`; a write that succeeded clears it; an unknown path under `/api/` answers a 404 that
/// says so, in ThingsBoard's error shape, instead of an empty body.
struct EdgeErrors: RouterMiddleware {
    typealias Context = StewardRequestContext
    let storage: StorageStatus?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let response: Response
        do {
            response = try await next(request, context)
        } catch {
            throw mapped(error, request)
        }
        if response.status.code < 400, request.method != .get, request.method != .head { storage?.recordSuccess() }
        return response
    }

    func mapped(_ error: any Error, _ request: Request) -> any Error {
        if let full = StorageStatus.storageFull(error) {
            storage?.recordFull(full.message)
            return request.uri.path.hasPrefix("/api/v1/") ? DeviceAPIError(status: full.kind.httpStatus, message: full.message) : APIError(full)
        }
        if let error = error as? any HTTPResponseError, error.status.code == 507 {
            storage?.recordFull((error as? APIError)?.message ?? (error as? DeviceAPIError)?.message ?? "Storage full")
            return error
        }
        if let error = error as? HTTPError, error.status == .notFound, request.uri.path.hasPrefix("/api/") {
            return APIError(
                status: .notFound,
                message: "No such API endpoint: \(request.method.rawValue) \(request.uri.path) (the API is described at /api/openapi.json)",
                errorCode: 32)
        }
        return error
    }
}
