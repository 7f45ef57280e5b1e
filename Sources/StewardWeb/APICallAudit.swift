import Foundation
import Hummingbird
import StewardAuth
import StewardCore
import StewardStore
import Synchronization

/// Ties every change made through the REST API to the key or token that made it: after a non-GET request under
/// `/api/` (the device API under `/api/v1/` excepted) that authenticated, an `api.write` audit entry records
/// method, path, status, account and credential.
struct APICallAudit: RouterMiddleware {
    typealias Context = StewardRequestContext
    let identity: any IdentityStore

    /// Where `WebContext.principal` leaves the principal it resolved for the running request.
    final class Slot: Sendable {
        let principal = Mutex<Principal?>(nil)
    }

    @TaskLocal static var current: Slot?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        guard request.method != .get, request.method != .head, path.hasPrefix("/api/"), !path.hasPrefix("/api/v1/"),
            !path.hasPrefix("/api/auth/")
        else { return try await next(request, context) }
        let slot = Slot()
        let response: Response
        do {
            response = try await Self.$current.withValue(slot) { try await next(request, context) }
        } catch {
            try await record(slot, request, context, status: (error as? any HTTPResponseError)?.status.code ?? 500)
            throw error
        }
        try await record(slot, request, context, status: response.status.code)
        return response
    }

    func record(_ slot: Slot, _ request: Request, _ context: Context, status: Int) async throws {
        guard let principal = slot.principal.withLock({ $0 }) else { return }
        try await identity.apply([
            .audit(
                AuditEvent(
                    time: WallClock.nowMillis(), tenantID: principal.tenantID, actorID: principal.userID,
                    credential: principal.credential, subjectID: nil, event: "api.write",
                    detail: "\(request.method.rawValue) \(request.uri.path) -> \(status)", ip: context.clientIP))
        ])
    }
}
