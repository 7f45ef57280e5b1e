import Hummingbird
import StewardCore

/// A console page that fails with a `StewardError` (a form sent without a body or in another encoding, a missing
/// field, a refused change) answers with the error page and the error's status, never a bare 500: the person
/// reads what was wrong. A path no route answers gets the console's 404 page. API paths keep their JSON errors.
struct ConsoleErrors: RouterMiddleware {
    typealias Context = StewardRequestContext
    let console: Console

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as StewardError where !request.uri.path.hasPrefix("/api/") && error.kind != .storageFull {
            let viewer = try? await console.viewer(request)
            var response = console.errorPage(request, viewer: viewer, error, reference: context.diagnosticReference)
            HTTP.closeIfUnread(&response)  // a form too large: its rest is not read
            return response
        } catch let error as HTTPError where error.status == .notFound && !request.uri.path.hasPrefix("/api/") {
            // No route: the console's own page (layout, a way home), not the browser's empty-body one.
            let viewer = try? await console.viewer(request)
            return console.notFoundPage(request, viewer: viewer)
        }
    }
}
