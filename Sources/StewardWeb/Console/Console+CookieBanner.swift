import Foundation
import HTTPTypes
import Hummingbird
import StewardAuth
import StewardCore
import StewardPrivacy
import StewardStore

/// The cookie banner: shown on a first visit and again after a material policy change; accept all, reject all
/// (as easy) or choose per purpose; required cookies always on and explained; everything from the declaration.
/// The choice goes to the consent ledger and to the required `steward_consent` cookie, which caches it with the
/// policy version.
extension Console {
    static let consentCookie = "steward_consent"

    /// The choice cached in the cookie: policy version, the purposes allowed, and the visitor's ledger id.
    struct CookieChoice: Sendable, Equatable {
        var version: String
        var allowed: Set<String>
        var visitor: String

        init(version: String, allowed: Set<String>, visitor: String) {
            self.version = version
            self.allowed = allowed
            self.visitor = visitor
        }

        init?(cookie: String) {
            let parts = cookie.split(separator: "~", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 3, !parts[0].isEmpty, parts[2].count >= 16 else { return nil }
            self.init(version: parts[0], allowed: Set(parts[1].split(separator: "+").map(String.init)), visitor: parts[2])
        }

        var cookieValue: String { "\(version)~\(allowed.sorted().joined(separator: "+"))~\(visitor)" }
    }

    /// The version whose material change a choice must postdate: the newest materially changed version.
    var bannerVersion: String {
        privacy.changeLog.filter(\.material).map(\.version).max() ?? privacy.version
    }

    /// The banner's purposes: the optional ones that rest on consent.
    var bannerPurposes: [Purpose] { ledger.bannerPurposes }

    func cookieChoice(_ request: Request) -> CookieChoice? {
        ConsoleCookies.value(Self.consentCookie, in: request).flatMap(CookieChoice.init(cookie:))
    }

    /// Template data for the banner, or nil when the visitor's choice is current.
    func bannerData(_ request: Request, always: Bool = false) -> [String: Any]? {
        bannerData(choice: cookieChoice(request), signals: Self.signals(request), returnTo: request.uri.path, always: always)
    }

    func bannerData(choice: CookieChoice?, signals: PrivacySignals, returnTo: String, always: Bool = false) -> [String: Any]? {
        if !always, let choice, choice.version >= bannerVersion { return nil }
        return [
            "returnTo": returnTo,
            // A section renders for any string, even an empty one: `false` when the browser sends no signal.
            "signal": signals.name.map { $0 as Any } ?? false,
            "required": privacy.cookies(in: .necessary).map {
                ["name": $0.name, "lifetime": Durations.words($0.lifetime), "description": $0.description]
            },
            "optional": bannerPurposes.map { purpose -> [String: Any] in
                [
                    "key": purpose.key, "name": purpose.name, "description": purpose.description,
                    "checked": choice?.allowed.contains(purpose.key) == true,
                    "signalOff": signals.switchesOff(purpose),
                    "cookies": privacy.cookies.filter { $0.purpose == purpose.key }.map {
                        ["name": $0.name, "lifetime": Durations.words($0.lifetime)]
                    },
                ]
            },
        ]
    }

    /// After a sign-in: the cookie-banner choice this browser made before (cached in `steward_consent` with its
    /// visitor id) goes into the person's own consent ledger (`ConsentLedger.adoptVisitorChoice`). A failure here
    /// never blocks the sign-in; the banner choice stays in the visitor's entries.
    func adoptBannerChoice(_ request: Request, user: UserID, client: ClientInfo) async {
        guard let visitor = cookieChoice(request)?.visitor else { return }
        _ = try? await ledger.adoptVisitorChoice(visitor: visitor, for: user, from: client)
    }

    func registerCookieBanner(on router: Router<StewardRequestContext>) {
        router.get("cookies") { request, _ in
            var data = bannerData(request, always: true) ?? [:]
            data["page"] = true
            if let viewer = try await viewer(request) { return page(viewer, "cookies", title: "Cookie settings", data) }
            return publicPage(request, "cookies", title: "Cookie settings", data)
        }
        router.post("cookies") { request, context in
            let form = try await FormBody.read(request)
            let viewer = try await viewer(request)
            if let viewer {
                guard (try? checkCSRF(viewer, form)) != nil else { return errorPage(request, viewer: viewer, Self.csrfFailure) }
            } else {
                guard (try? checkAnonymousCSRF(request, form)) != nil else { return errorPage(request, viewer: nil, Self.csrfFailure) }
            }
            let chosen: ConsentLedger.BannerChoice
            switch form["choice"] {
            case "accept-all": chosen = .acceptAll
            case "reject-all": chosen = .rejectAll
            default: chosen = .only(Set(form.values["category"] ?? []))
            }
            let visitor = cookieChoice(request)?.visitor ?? Secrets.token(bytes: 16)
            let subject = viewer.map { ConsentRecord.subject($0.user.id) } ?? "visitor:\(visitor)"
            let allowed = try await ledger.recordBannerChoice(
                chosen, subject: subject, signals: Self.signals(request), from: client(request, context))
            let choice = CookieChoice(version: privacy.version, allowed: allowed, visitor: visitor)
            let cookie = cookies.setCookie(Self.consentCookie, choice.cookieValue, maxAge: 183 * 86_400)
            let back = form["return_to"].map { Self.sameSitePath($0) ?? "/" } ?? "/cookies"
            return redirect(back, cookies: [cookie])
        }
    }
}
