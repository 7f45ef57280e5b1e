import Hummingbird
import StewardCore
import StewardStore

/// `GET /api/health`: `{"status":"UP"}` while Steward serves (with `"clockOffsetDays"` when
/// `STEWARD_CLOCK_OFFSET_DAYS` moves the clock); 503 `{"status":"DOWN","storage":"full","message":…}`
/// while the last write failed for lack of space (a monitor sees a full disk before the devices do); 503
/// `{"status":"DOWN","database":"unreachable","message":…}` while a database server cannot be reached.
enum HealthRoutes {
    static func register(on router: Router<StewardRequestContext>, storage: StorageStatus?) {
        router.get("api/health") { _, _ in
            if let message = await storage?.recheckReachability() {
                var body = "{\"status\":\"DOWN\",\"database\":\"unreachable\",\"message\":"
                JSONValue.writeString(message, to: &body)
                body += "}"
                return HTTP.json(body, status: .serviceUnavailable)
            }
            guard let message = storage?.fullMessage else {
                // A moved clock is said on every answer, so nobody mistakes a test server for a real one.
                let offset = WallClock.offsetDays
                return HTTP.json(offset == 0 ? "{\"status\":\"UP\"}" : "{\"status\":\"UP\",\"clockOffsetDays\":\(offset)}")
            }
            var body = "{\"status\":\"DOWN\",\"storage\":\"full\",\"message\":"
            JSONValue.writeString(message, to: &body)
            body += "}"
            return HTTP.json(body, status: .serviceUnavailable)
        }
    }
}

/// The outermost word on errors: a full disk or quota is "storage full" (507) wherever it surfaced, and is
/// recorded for `/api/health` unless the store already did (only a database commit clears it, never a response
/// here: a request that wrote nothing proves nothing about space); an unknown path under `/api/` answers a 404 that
/// says so, in ThingsBoard's error shape, instead of an empty body (`APIPathMiss`).
struct EdgeErrors: RouterMiddleware {
    typealias Context = StewardRequestContext
    let storage: StorageStatus?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            throw mapped(error, request)
        }
    }

    func mapped(_ error: any Error, _ request: Request) -> any Error {
        if let full = StorageStatus.storageFull(error) {
            // A StewardError was recorded where it was made (the store's write path); anything else is new here.
            if !(error is StewardError) { storage?.recordFull(full.message) }
            return request.uri.path.hasPrefix("/api/v1/") ? DeviceAPIError(status: full.kind.httpStatus, message: full.message) : APIError(full)
        }
        if let error = error as? HTTPError, error.status == .notFound, request.uri.path.hasPrefix("/api/") {
            return APIPathMiss.error(for: request)
        }
        return error
    }
}
