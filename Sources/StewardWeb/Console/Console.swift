import Foundation
import HTTPTypes
import Hummingbird
import StewardAuth
import StewardCore
import StewardDevices
import StewardPrivacy
import StewardStore

/// The web console: server-rendered pages over the same services the REST API and the CLI use. Forms work
/// without JavaScript; every state-changing form carries a CSRF token.
public struct Console: Sendable {
    /// For the services built over it here (keys, profiles, consent, the access log); pages never call it.
    let identity: any IdentityStore
    /// Tenants and users.
    let accounts: AccountService
    /// Devices' readings.
    let deviceService: DeviceService
    /// What each viewer may see: the same answers as the REST API's.
    let scope: ScopeService
    let signUp: SignUpService
    let signIn: SignInService
    let resets: PasswordResetService
    let apiKeys: APIKeyService
    /// The person's own profile and picture, with their rules.
    let profiles: ProfileService
    let configuration: IdentityConfiguration
    let privacy: PrivacyDeclaration
    let marketing: MarketingMail
    let rights: PersonalDataRights
    let renderer: ConsoleRenderer
    let cookies: ConsoleCookies
    let csrfKey: [UInt8]
    /// Called after a change that queued mail, so the sender delivers it now rather than at its next poll.
    let mailQueued: @Sendable () -> Void
    /// The released public statistics behind `/stats`; nil shows the page with nothing published.
    public var statistics: PublicStatisticsService? = nil
    /// The declaration's retention, counted (a dry run) for `/retention`; nil shows the page with the recorded runs only.
    public var retention: RetentionService? = nil
    /// No mail server is configured: account mail waits in the outbox, and pages say so instead of "we sent".
    public var mailWaits = false
    /// Device management, the person a device concerns, and settings for the device pages (`Console+Devices.swift`);
    /// nil: the device pages answer that they are not set up.
    public var devicePages: DevicePages? = nil

    public init(
        identity: any IdentityStore, accounts: AccountService, deviceService: DeviceService,
        signUp: SignUpService, signIn: SignInService, resets: PasswordResetService, configuration: IdentityConfiguration,
        privacy: PrivacyDeclaration, marketing: MarketingMail, rights: PersonalDataRights, csrfKey: [UInt8], secureCookies: Bool, mailQueued: @escaping @Sendable () -> Void
    ) throws {
        self.identity = identity
        self.accounts = accounts
        self.deviceService = deviceService
        self.scope = ScopeService(devices: deviceService.devices, accounts: accounts.accounts, identity: identity)
        self.signUp = signUp
        self.signIn = signIn
        self.resets = resets
        self.apiKeys = APIKeyService(store: identity)
        self.profiles = ProfileService(store: identity)
        self.configuration = configuration
        try FormFields.check(against: privacy)
        self.privacy = privacy
        self.marketing = marketing
        self.rights = rights
        self.renderer = try ConsoleRenderer.load()
        self.cookies = ConsoleCookies(secure: secureCookies)
        self.csrfKey = csrfKey
        self.mailQueued = mailQueued
    }

    func register(on router: Router<StewardRequestContext>) {
        router.add(middleware: ConsoleErrors(console: self))
        router.get("static/steward.css") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "public, max-age=3600"],
                body: .init(byteBuffer: ByteBuffer(string: renderer.stylesheet)))
        }
        router.get("api/form-fields") { _, _ in
            HTTP.json(
                JSONValue.object(
                    FormFields.purposes.sorted { $0.key < $1.key }.map { JSONMember($0.key, .string("\($0.value.purpose): \($0.value.why)")) }
                ).serialized)
        }
        registerSignUpPages(on: router)
        registerSignInPages(on: router)
        registerAccountPages(on: router)
        registerSecurityPages(on: router)
        registerAdminPages(on: router)
        registerPolicyPages(on: router)
        registerStatisticsPages(on: router)
        registerRetentionPage(on: router)
        registerConsentPages(on: router)
        registerCookieBanner(on: router)
        registerPolicyNotice(on: router)
        registerUnsubscribe(on: router)
        registerRequestPages(on: router)
        registerComplaintPages(on: router)
        registerDisclosurePages(on: router)
        registerPrivacyPages(on: router)
        registerConfirmationPages(on: router)
        registerDevicePages(on: router)
        registerProfilePages(on: router)
        registerCustomerPages(on: router)
        registerDashboardPages(on: router)
    }
}

/// The signed-in person a console request acts for.
struct Viewer: Sendable {
    var session: Session
    var account: AccountRecord
    var csrf: String
    /// What the cookie banner needs to know about this request.
    var cookieChoice: Console.CookieChoice? = nil
    var signals: PrivacySignals = .none
    var path = "/"
    var user: User { account.user }
    var principal: Principal { Principal(user: account.user, credential: "session:\(session.id)") }
}

/// What a page needs to tell the layout.
struct Flash: Sendable {
    var kind: String
    var message: String
    static func error(_ message: String) -> Flash { Flash(kind: "error", message: message) }
    static func notice(_ message: String) -> Flash { Flash(kind: "notice", message: message) }
}

extension Console {
    func client(_ request: Request, _ context: StewardRequestContext) -> ClientInfo {
        ClientInfo(ip: context.clientIP, client: request.headers[.userAgent] ?? "")
    }

    /// The signed-in viewer, if the session cookie belongs to a live, complete session of an open account.
    func viewer(_ request: Request) async throws -> Viewer? {
        guard let secret = ConsoleCookies.value(ConsoleCookies.session, in: request),
            let (session, account) = try await signIn.webSession(secret: secret)
        else { return nil }
        return Viewer(
            session: session, account: account, csrf: Secrets.hmacHex(key: csrfKey, "session:\(session.csrfSecret)"),
            cookieChoice: cookieChoice(request), signals: Self.signals(request), path: request.uri.path)
    }

    /// The anonymous CSRF token for a public form, and the cookie to set when the visitor has none yet.
    func anonymousCSRF(_ request: Request) -> (token: String, cookie: String?) {
        if let secret = ConsoleCookies.value(ConsoleCookies.csrf, in: request), secret.count >= 32 {
            return (Secrets.hmacHex(key: csrfKey, "anonymous:\(secret)"), nil)
        }
        let secret = Secrets.token()
        return (Secrets.hmacHex(key: csrfKey, "anonymous:\(secret)"), cookies.setCookie(ConsoleCookies.csrf, secret, maxAge: nil))
    }

    /// Checks a public form's token against the visitor's CSRF cookie.
    func checkAnonymousCSRF(_ request: Request, _ form: FormBody) throws(StewardError) {
        guard let secret = ConsoleCookies.value(ConsoleCookies.csrf, in: request), let sent = form["csrf"],
            Secrets.constantTimeEquals(sent, Secrets.hmacHex(key: csrfKey, "anonymous:\(secret)"))
        else { throw Self.csrfFailure }
    }

    func checkCSRF(_ viewer: Viewer, _ form: FormBody) throws(StewardError) {
        guard let sent = form["csrf"], Secrets.constantTimeEquals(sent, viewer.csrf) else { throw Self.csrfFailure }
    }

    static let csrfFailure = StewardError.forbidden(
        "This form expired or did not come from this site. Nothing was changed; reload the page and try again")

    func layout(_ title: String, viewer: Viewer?, flash: Flash?, banner: [String: Any]? = nil, csrf: String) -> [String: Any] {
        var frame: [String: Any] = ["title": title, "policyVersion": configuration.policyVersion]
        if var banner {
            banner["csrf"] = csrf
            frame["banner"] = banner
        }
        if let viewer {
            frame["viewer"] = [
                "email": viewer.user.email, "csrf": viewer.csrf,
                "isTenantAdmin": viewer.user.authority == .tenantAdmin,
                "isSystemAdmin": viewer.user.authority == .systemAdmin,
            ] as [String: Any]
        }
        if let flash {
            frame["flash"] = ["kind": flash.kind, "message": flash.message, "role": flash.kind == "error" ? "alert" : "status"]
        }
        return frame
    }

    /// A page for a visitor who may not be signed in; sets the CSRF cookie when needed.
    func publicPage(
        _ request: Request, _ template: String, title: String, _ data: [String: Any] = [:], flash: Flash? = nil,
        status: HTTPResponse.Status = .ok
    ) -> Response {
        let csrf = anonymousCSRF(request)
        var data = data
        data["csrf"] = csrf.token
        let banner = template == "cookies" ? nil : bannerData(request)
        var response = renderer.page(
            template, data, layout: layout(title, viewer: nil, flash: flash, banner: banner, csrf: csrf.token), status: status)
        if let cookie = csrf.cookie { response.headers.append(HTTPField(name: .setCookie, value: cookie)) }
        return response
    }

    func page(
        _ viewer: Viewer, _ template: String, title: String, _ data: [String: Any] = [:], flash: Flash? = nil,
        status: HTTPResponse.Status = .ok, imageOrigins: [String] = []
    ) -> Response {
        var data = data
        data["csrf"] = viewer.csrf
        let banner =
            template == "cookies" ? nil : bannerData(choice: viewer.cookieChoice, signals: viewer.signals, returnTo: viewer.path)
        return renderer.page(
            template, data, layout: layout(title, viewer: viewer, flash: flash, banner: banner, csrf: viewer.csrf), status: status,
            imageOrigins: imageOrigins)
    }

    /// `path` if it is a path on this site, else nil. Browsers read `//host` and `/\\host` (and, after dropping
    /// tabs and newlines, `/\t/host`) as another site, so only a single leading `/` followed by no backslash and
    /// no control character is accepted: a redirect to it can never leave the site (no open redirect).
    static func sameSitePath(_ path: String) -> String? {
        let bytes = Array(path.utf8)
        guard bytes.first == UInt8(ascii: "/"), bytes.count < 2 || bytes[1] != UInt8(ascii: "/"),
            !bytes.contains(where: { $0 == UInt8(ascii: "\\") || $0 < 0x20 || $0 == 0x7F })
        else { return nil }
        return path
    }

    func redirect(_ location: String, cookies extra: [String] = []) -> Response {
        var response = Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
        for cookie in extra { response.headers.append(HTTPField(name: .setCookie, value: cookie)) }
        return response
    }

    /// Runs a signed-in page: visitors without a session go to the sign-in page.
    func signedIn(
        _ request: Request, _ body: (Viewer) async throws -> Response
    ) async throws -> Response {
        guard let viewer = try await viewer(request) else { return redirect("/sign-in") }
        let signals = Self.signals(request)
        if signals.gpc || signals.dnt {
            try await ledger.applySignals(
                signals, for: viewer.user.id,
                from: ClientInfo(ip: "", client: request.headers[.userAgent] ?? ""))
        }
        if configuration.requireAdminSecondFactor, viewer.user.authority != .customerUser, viewer.account.details.secondFactor == nil,
            !request.uri.path.hasPrefix("/account/two-factor")
        {
            return redirect("/account/two-factor?required=1")
        }
        if !Self.readableBeforeNotice(request.uri.path), try await policyChanges.pendingNotice(for: viewer.account) != nil {
            return redirect("/account/policy-update")
        }
        return try await body(viewer)
    }

    /// A signed-in form post: CSRF checked before anything else; a refused form changes nothing.
    func signedInForm(
        _ request: Request, _ body: (Viewer, FormBody) async throws -> Response
    ) async throws -> Response {
        try await signedIn(request) { viewer in
            let form = try await FormBody.read(request)
            guard (try? checkCSRF(viewer, form)) != nil else { return errorPage(request, viewer: viewer, Self.csrfFailure) }
            return try await body(viewer, form)
        }
    }

    /// The error page; `reference` (the request's diagnostic record, `d-…`) is shown for the person to quote in a
    /// request or complaint (promise MS-5).
    func errorPage(_ request: Request, viewer: Viewer?, _ error: StewardError, reference: String? = nil) -> Response {
        let status = Self.status(of: error)
        let title = status == .forbidden ? "Not allowed" : status == .notFound ? "Not found" : "Something is not right"
        // The sentence once (in the flash; the page repeats no paragraph of it); no diagnostic reference for "you
        // followed a link you cannot use" (403, 404), where quoting it in a complaint would make no sense.
        var data: [String: Any] = [:]
        if let reference, status != .forbidden, status != .notFound { data["reference"] = reference }
        if let viewer { return page(viewer, "message", title: title, data, flash: .error(error.message), status: status) }
        return publicPage(request, "message", title: title, data, flash: .error(error.message), status: status)
    }

    static func status(of error: StewardError) -> HTTPResponse.Status { error.kind.httpStatus }

    /// The console's 404: "This page does not exist", in the layout, with a way home.
    func notFoundPage(_ request: Request, viewer: Viewer?) -> Response {
        let data: [String: Any] = ["path": request.uri.path]
        if let viewer { return page(viewer, "not-found", title: "Page not found", data, status: .notFound) }
        return publicPage(request, "not-found", title: "Page not found", data, status: .notFound)
    }
}
