import Foundation
import Hummingbird
import QRCode
import StewardAuth
import StewardCore
import StewardDevices
import StewardStore

/// Sessions, sign-in history, application keys, "I lost my credentials", who read my data, and two-factor set-up.
extension Console {
    func registerSecurityPages(on router: Router<StewardRequestContext>) {
        router.get("account/security") { request, _ in
            try await signedIn(request) { viewer in try await securityPage(viewer, flash: nil) }
        }
        router.post("account/sessions/revoke") { request, context in
            try await signedInForm(request) { viewer, form in
                let id = try form.require("session", "The session")
                try await signIn.revokeSession(id, of: viewer.user, by: viewer.session.id, from: client(request, context))
                if id == viewer.session.id { return redirect("/sign-in", cookies: [cookies.clear(ConsoleCookies.session)]) }
                return try await securityPage(viewer, flash: .notice("The session was signed out."))
            }
        }
        router.post("account/keys") { request, context in
            try await signedInForm(request) { viewer, form in
                do {
                    guard let role = APIKeyRole(rawValue: form["key_role"] ?? "") else {
                        throw StewardError.badRequest("Choose what the key may do: full or read-only")
                    }
                    let (record, key) = try await apiKeys.create(
                        for: viewer.user, name: form["key_name"] ?? "", role: role, credential: "session:\(viewer.session.id)",
                        from: client(request, context))
                    return try await securityPage(
                        viewer, flash: .notice("Key “\(record.name)” created. Copy it now: it is shown only once."), newKey: key)
                } catch let error as StewardError {
                    return try await securityPage(viewer, flash: .error(error.message), status: Self.status(of: error))
                }
            }
        }
        router.post("account/keys/revoke") { request, context in
            try await signedInForm(request) { viewer, form in
                do {
                    try await apiKeys.revoke(
                        id: try form.require("key", "The key"), of: viewer.user, credential: "session:\(viewer.session.id)",
                        from: client(request, context))
                    return try await securityPage(viewer, flash: .notice("The key was revoked."))
                } catch let error as StewardError {
                    return try await securityPage(viewer, flash: .error(error.message), status: Self.status(of: error))
                }
            }
        }
        router.post("account/lost-credentials") { request, context in
            try await signedInForm(request) { viewer, _ in
                _ = try await signIn.reportLostCredentials(
                    viewer.user, credential: "session:\(viewer.session.id)", from: client(request, context))
                mailQueued()
                return redirect("/sign-in", cookies: [cookies.clear(ConsoleCookies.session)])
            }
        }
        registerTwoFactorPages(on: router)
    }

    func securityPage(
        _ viewer: Viewer, flash: Flash?, status: HTTPResponse.Status = .ok, newKey: String? = nil
    ) async throws -> Response {
        let overview = try await signIn.securityOverview(of: viewer.user.id)
        let (sessions, signIns, keys) = (overview.sessions, overview.signIns, overview.keys)
        let reads = try await scope.ownAuditEntries(WebContext.scope(viewer.principal), event: "personal-data.read", limit: 50)
        // The trail names readers by id; who they are is read now (their address is sealed in their account).
        var readers: [UserID: String] = [:]
        for actor in Set(reads.compactMap(\.event.actorID)) {
            readers[actor] = try await signIn.account(id: actor)?.user.email ?? "an account that no longer exists"
        }
        var data: [String: Any] = [
            "sessions": sessions.map {
                [
                    "id": $0.id, "kind": $0.kind == .web ? "browser" : "API (JWT)", "client": Self.clientName($0.client),
                    "clientRaw": $0.client, "ip": $0.ip,
                    "created": ConsoleFormat.time($0.createdTime), "lastSeen": ConsoleFormat.time($0.lastSeenTime),
                    "current": $0.id == viewer.session.id,
                ] as [String: Any]
            },
            "signIns": signIns.map {
                [
                    "time": ConsoleFormat.time($0.time), "ip": $0.ip, "client": Self.clientName($0.client), "clientRaw": $0.client,
                    "outcome": $0.outcome.rawValue,
                    "newPlace": $0.newPlace,
                ] as [String: Any]
            },
            "keys": keys.map {
                [
                    "id": $0.id, "name": $0.name, "role": $0.role.rawValue, "prefix": $0.prefix,
                    "created": ConsoleFormat.time($0.createdTime),
                    "lastUsed": $0.lastUsedTime.map(ConsoleFormat.time) ?? "never",
                    "lastUsedIP": $0.lastUsedIP ?? "", "active": $0.revokedTime == nil,
                    "revoked": $0.revokedTime.map(ConsoleFormat.time) ?? "",
                ] as [String: Any]
            },
            "reads": reads.map {
                [
                    "time": ConsoleFormat.time($0.event.time), "detail": ConsoleFormat.auditDetail($0.event.detail),
                    "reader": $0.event.actorID.flatMap { readers[$0] } ?? "", "credential": $0.event.credential ?? "",
                ]
            },
            "roles": APIKeyRole.allCases.map { ["value": $0.rawValue] },
        ]
        if let newKey { data["newKey"] = newKey }
        return page(viewer, "security", title: "Security", data, flash: flash, status: status)
    }

    /// A program as people name it ("Chrome on Linux", "curl"), from its User-Agent's families; the full string
    /// stays in the cell's tooltip. Unrecognised programs keep a short prefix of their own name.
    static func clientName(_ userAgent: String) -> String {
        let family = UserAgentFamily.parse(userAgent)
        switch (family.browser, family.os) {
        case ("other", "other"):
            return productName(userAgent) ?? "Unknown program"
        case ("other", let os): return "\(productName(userAgent) ?? "A browser") on \(os)"
        case (let browser, "other"): return browser
        case (let browser, let os): return "\(browser) on \(os)"
        }
    }

    /// The program a user agent names last, past the tokens every browser sends for compatibility:
    /// `Mozilla/5.0 (X11; Linux x86_64) OtherBrowser/99.0` → `OtherBrowser`, `python-requests/2.31` → `python-requests`.
    static func productName(_ userAgent: String) -> String? {
        let compatibility: Set<Substring> = ["Mozilla", "AppleWebKit", "Gecko", "Safari", "Version", "Mobile", "KHTML"]
        let names = userAgent.split(separator: " ").compactMap { token -> Substring? in
            guard let slash = token.firstIndex(of: "/"), !token.hasPrefix("(") else { return nil }
            let name = token[..<slash]
            return name.isEmpty || compatibility.contains(name) ? nil : name
        }
        return names.last.map { String($0.prefix(40)) }
    }
}
