import Foundation
import Hummingbird
import StewardAuth
import StewardCore
import StewardStore

/// Ties every change made through the REST API to the key or token that made it: after a non-GET request under
/// `/api/` (the device API under `/api/v1/` and sign-in under `/api/auth/` excepted) that authenticated, an
/// `api.write` audit entry records method, path, status, account and credential. It sits inside
/// `APIAuthenticator`, whose context (a value) carries the principal, and outside `APIErrorMiddleware`, so a thrown
/// error is recorded with the status it is answered with.
struct APICallAudit: RouterMiddleware {
    typealias Context = StewardRequestContext
    let identity: any IdentityStore

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        guard let principal = context.identity, request.method != .get, request.method != .head, path.hasPrefix("/api/"),
            !path.hasPrefix("/api/v1/"), !path.hasPrefix("/api/auth/")
        else { return try await next(request, context) }
        let response: Response
        do {
            response = try await next(request, context)
        } catch {
            try await record(principal, request, context, status: (error as? any HTTPResponseError)?.status.code ?? 500)
            throw error
        }
        try await record(principal, request, context, status: response.status.code)
        return response
    }

    func record(_ principal: Principal, _ request: Request, _ context: Context, status: Int) async throws {
        try await identity.apply([
            .audit(
                AuditEvent(
                    time: WallClock.nowMillis(), tenantID: principal.tenantID, actorID: principal.userID,
                    credential: principal.credential, subjectID: nil, event: "api.write",
                    detail: "\(request.method.rawValue) \(request.uri.path) -> \(status)", ip: context.clientIP))
        ])
    }
}
