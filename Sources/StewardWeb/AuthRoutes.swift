import Hummingbird
import StewardStore
import StewardDevices
import StewardAuth
import StewardCore

/// `POST /api/auth/login`, `/api/auth/token`, `/api/auth/logout`, `GET /api/auth/user`.
struct AuthRoutes {
    let web: WebContext

    /// Login and refresh take no caller: they go on `open`, where a stray credential header is never looked up;
    /// logout and the current user need one and go behind `APIAuthenticator` (`authenticated`).
    func register(open: some RouterMethods<StewardRequestContext>, authenticated: some RouterMethods<StewardRequestContext>) {
        let router = open
        router.post("api/auth/login") { request, context in
            let body = try await WebContext.parseBody(request, limit: 16_384)
            guard let username = body["username"]?.stringValue, let password = body["password"]?.stringValue else {
                throw StewardError.badRequest("Send {\"username\": \"…\", \"password\": \"…\"}")
            }
            let pair = try await web.auth.login(email: username, password: password, from: WebContext.client(request, context))
            return Self.pair(pair.token, pair.refreshToken)
        }
        router.post("api/auth/token") { request, context in
            let body = try await WebContext.parseBody(request, limit: 16_384)
            guard let refresh = body["refreshToken"]?.stringValue else {
                throw StewardError.badRequest("Send {\"refreshToken\": \"…\"}")
            }
            // Rotates: the answer's refreshToken replaces the one sent, which stops working.
            let pair = try await web.auth.refresh(refresh, from: WebContext.client(request, context))
            return Self.pair(pair.token, pair.refreshToken)
        }
        authenticated.post("api/auth/logout") { _, context in
            try await web.auth.logout(try context.requireIdentity())
            return HTTP.ok()
        }
        authenticated.get("api/auth/user") { _, context in
            let principal = try context.requireIdentity()
            guard let user = try await web.accounts.user(id: principal.userID) else {
                throw StewardError.unauthorized("Authentication failed")
            }
            return HTTP.json(EntityJSON.user(user).serialized)
        }
    }

    static func pair(_ token: String, _ refresh: String) -> Response {
        HTTP.json("{\"token\":\(JSONValue.quoted(token)),\"refreshToken\":\(JSONValue.quoted(refresh)),\"scope\":null}")
    }
}
