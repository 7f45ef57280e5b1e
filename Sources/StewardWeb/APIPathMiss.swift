import HTTPTypes
import Hummingbird
import StewardCore

/// The answer to a REST path Steward does not have: 404 in ThingsBoard's error shape, naming the method and path
/// ("No API path GET /api/xyz"), never a 403 "no permission" that sends a person looking for a missing right.
///
/// A caller that sends no credential at all is answered 401 first, as ThingsBoard does: its security filter
/// authenticates every `/api/**` request before any controller is looked up, so a TB client (and a person trying
/// `curl`) learns first that it must sign in, whatever the path. The paths ThingsBoard leaves open (the device API
/// under `/api/v1/`, `/api/noauth/`, login and token refresh) and our own open ones (health, the OpenAPI document)
/// answer 404 straight away. Which paths exist is no secret: `/api/openapi.json` lists them.
enum APIPathMiss {
    static let openPrefixes = ["/api/v1/", "/api/noauth/", "/api/auth/login", "/api/auth/token", "/api/health", "/api/openapi.json"]

    static func error(for request: Request) -> APIError {
        let path = request.uri.path
        let credential = request.headers[HTTPField.Name("X-Authorization")!] ?? request.headers[.authorization]
        if credential == nil, !openPrefixes.contains(where: { path.hasPrefix($0) }) {
            return APIError(APIAuthenticator.missingCredential)
        }
        return notFound(method: request.method.rawValue, path: path)
    }

    static func notFound(method: String, path: String) -> APIError {
        APIError(
            status: .notFound, message: "No API path \(method) \(path) (the API is described at /api/openapi.json)", errorCode: 32)
    }

    /// An entity id taken from a path segment: a segment that is no id at all (`/api/tenant/deviceInfos`) means the
    /// path is not one of ours, and is answered as such before any permission is checked.
    static func id<ID>(_ request: Request, _ context: StewardRequestContext, _ name: String, _ make: (String) -> ID?) throws -> ID {
        guard let text = context.parameters.get(name), let id = make(text) else {
            throw notFound(method: request.method.rawValue, path: request.uri.path)
        }
        return id
    }
}
