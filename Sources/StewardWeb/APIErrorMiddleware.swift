import Hummingbird

/// Turns whatever a REST handler throws into ThingsBoard's error JSON (`APIError.from`), in one place instead of a
/// wrapper around every handler. The device API under `/api/v1` maps its own errors (`DeviceAPIError`) and is not
/// behind it; `EdgeErrors` outside still sees the mapped error, as before.
struct APIErrorMiddleware: RouterMiddleware {
    typealias Context = StewardRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            throw APIError.from(error)
        }
    }
}
