import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOSSL
import StewardAuth
import StewardCore
import StewardPrivacy
import StewardDevices
import StewardStore

/// Builds the HTTP application: the device API, the REST API and the web console.
public enum WebApplication {
    public static func router(
        auth: AuthService, accounts: AccountService, deviceService: DeviceService, provisioning: ProvisioningService,
        console: Console?, privacy: PrivacyDeclaration, strictTransportSecurity: Bool = false, personalData: any PersonalDataStore,
        maximumDeviceBodySize: Int = 1 << 20, storage: StorageStatus? = nil, diagnostics: DiagnosticsRecorder? = nil
    ) -> Router<StewardRequestContext> {
        let router = Router(context: StewardRequestContext.self)
        if strictTransportSecurity { router.add(middleware: StrictTransportSecurity()) }
        // Outside `EdgeErrors`, so it records the status the caller gets (promise MS-4).
        if let diagnostics { router.add(middleware: DiagnosticsMiddleware(recorder: diagnostics)) }
        router.add(middleware: EdgeErrors(storage: storage))
        let api = APIGroups(on: router, auth: auth)
        let web = WebContext(
            auth: auth, accounts: accounts, identity: auth.store, devices: deviceService.devices,
            deviceService: deviceService, management: provisioning.management,
            scope: ScopeService(devices: deviceService.devices, accounts: accounts.accounts, identity: auth.store))
        DeviceHTTPRoutes(service: deviceService, provisioning: provisioning, maximumBodySize: maximumDeviceBodySize)
            .register(on: router)
        AuthRoutes(web: web).register(open: api.open, authenticated: api.authenticated)
        DeviceRoutes(web: web).register(on: api.authenticated)
        DeviceProfileRoutes(web: web).register(on: api.authenticated)
        DashboardRoutes(web: web).register(on: api.authenticated)
        TelemetryRoutes(web: web).register(on: api.authenticated)
        RPCRoutes(web: web).register(on: api.authenticated)
        AccountRoutes(web: web, accountsService: accounts).register(on: api.authenticated)
        AuditRoutes(web: web).register(on: api.authenticated)
        DataCategoryRoutes(web: web, privacy: privacy).register(on: api.authenticated)
        PersonRoutes(web: web).register(on: api.authenticated)
        console?.register(on: router)
        OpenAPIRoutes.register(on: api.open)  // GET /api/openapi.json
        HealthRoutes.register(on: router, storage: storage)
        return router
    }
}

/// The REST API's two route groups, both at the root so no path changes. `open` (login, token refresh, the OpenAPI
/// document) only maps errors to ThingsBoard's JSON. `authenticated` (every route that needs a caller) runs, from
/// the outside in: `APIAuthenticator` (puts the caller into the context), `APICallAudit` (reads it there and records
/// writes with their final status) and `APIErrorMiddleware` (so the audit sees the status the caller gets). The
/// device API, the console and health are registered on the router itself and pass none of these.
struct APIGroups {
    let open: RouterGroup<StewardRequestContext>
    let authenticated: RouterGroup<StewardRequestContext>

    init(on router: Router<StewardRequestContext>, auth: AuthService) {
        open = router.group().add(middleware: APIErrorMiddleware())
        authenticated = router.group()
            .add(middleware: APIAuthenticator(auth: auth))
            .add(middleware: APICallAudit(identity: auth.store))
            .add(middleware: APIErrorMiddleware())
    }
}

/// Under TLS, tells browsers to use HTTPS only for this host from now on (HSTS, RFC 6797), so a person's data
/// never travels in the clear after the first visit.
struct StrictTransportSecurity: RouterMiddleware {
    typealias Context = StewardRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[HTTPField.Name("Strict-Transport-Security")!] = "max-age=31536000"
        return response
    }
}
