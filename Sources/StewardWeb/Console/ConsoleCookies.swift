import Foundation
import HTTPTypes
import Hummingbird
import StewardAuth

/// The console's two cookies: the session (set at sign-in, a new value each time) and the anonymous CSRF secret
/// that protects sign-in, sign-up and the other forms used before a session exists.
struct ConsoleCookies: Sendable {
    static let session = "steward_session"
    static let csrf = "steward_csrf"
    /// Whether the console is served over TLS, so cookies are marked `Secure`.
    let secure: Bool

    static func value(_ name: String, in request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for part in header.split(separator: ";") {
                let pair = part.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
                if pair.count == 2, pair[0] == name { return String(pair[1]) }
            }
        }
        return nil
    }

    func setCookie(_ name: String, _ value: String, maxAge: Int?) -> String {
        var cookie = "\(name)=\(value); Path=/; HttpOnly; SameSite=Lax"
        if let maxAge { cookie += "; Max-Age=\(maxAge)" }
        if secure { cookie += "; Secure" }
        return cookie
    }

    func clear(_ name: String) -> String { setCookie(name, "", maxAge: 0) }
}
