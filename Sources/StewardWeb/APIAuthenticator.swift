import HTTPTypes
import Hummingbird
import StewardAuth
import StewardCore

/// Resolves the REST caller once per request, in the style of hummingbird-auth's authenticator middleware: the
/// principal of `X-Authorization: Bearer <JWT>` or `X-Authorization: ApiKey <key>` (also accepted in
/// `Authorization`) goes into `context.identity`. Nothing is refused here: a bad credential is kept as
/// `context.authenticationFailure` and surfaces when the handler calls `requireIdentity()`, so every handler's
/// checks keep their order and messages. Only the REST routes that need a caller are behind it (see
/// `WebApplication`); the device API, login, the console and health never reach it.
struct APIAuthenticator: RouterMiddleware {
    typealias Context = StewardRequestContext
    let auth: AuthService

    static let missingCredential = StewardError.unauthorized(
        "Authentication failed: send X-Authorization: Bearer <token> or ApiKey <key>")
    static let readOnlyKey = StewardError.forbidden(
        "This application key is read-only; use a key with the full role to make changes")

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        // No credential header: no lookup at all; `requireIdentity()` answers `missingCredential`.
        guard let header = request.headers[HTTPField.Name("X-Authorization")!] ?? request.headers[.authorization] else {
            return try await next(request, context)
        }
        var context = context
        do {
            context.identity = try await principal(header, request, context)
        } catch {
            context.authenticationFailure = error
        }
        return try await next(request, context)
    }

    /// The principal a credential header names; a read-only key is refused for anything but GET.
    func principal(_ header: String, _ request: Request, _ context: Context) async throws -> Principal {
        if header.hasPrefix("ApiKey ") {
            let principal = try await auth.principal(fromAPIKey: String(header.dropFirst("ApiKey ".count)), ip: context.clientIP)
            if principal.readOnly && request.method != .get { throw Self.readOnlyKey }
            return principal
        }
        guard header.hasPrefix("Bearer ") else { throw Self.missingCredential }
        return try await auth.principal(fromAccessToken: String(header.dropFirst("Bearer ".count)))
    }
}

extension StewardRequestContext {
    /// The caller `APIAuthenticator` resolved, or the reason there is none (401 without a credential, the refusal
    /// of the one sent otherwise).
    public func requireIdentity() throws -> Principal {
        if let identity { return identity }
        throw authenticationFailure ?? APIAuthenticator.missingCredential
    }
}
