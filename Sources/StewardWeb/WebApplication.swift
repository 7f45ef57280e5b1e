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
        maximumDeviceBodySize: Int = 1 << 20, storage: StorageStatus? = nil
    ) -> Router<StewardRequestContext> {
        let router = Router(context: StewardRequestContext.self)
        if strictTransportSecurity { router.add(middleware: StrictTransportSecurity()) }
        router.add(middleware: EdgeErrors(storage: storage))
        router.add(middleware: APICallAudit(identity: auth.store))
        let web = WebContext(
            auth: auth, accounts: accounts.accounts, identity: auth.store, devices: deviceService.devices,
            deviceService: deviceService, management: provisioning.management,
            scope: ScopeService(devices: deviceService.devices, accounts: accounts.accounts, identity: auth.store))
        DeviceHTTPRoutes(service: deviceService, provisioning: provisioning, maximumBodySize: maximumDeviceBodySize)
            .register(on: router)
        AuthRoutes(web: web).register(on: router)
        DeviceRoutes(web: web).register(on: router)
        TelemetryRoutes(web: web).register(on: router)
        RPCRoutes(web: web).register(on: router)
        AccountRoutes(web: web, accountsService: accounts).register(on: router)
        AuditRoutes(web: web).register(on: router)
        DataCategoryRoutes(web: web, privacy: privacy).register(on: router)
        PersonRoutes(web: web).register(on: router)
        console?.register(on: router)
        OpenAPIRoutes.register(on: router)  // GET /api/openapi.json
        HealthRoutes.register(on: router, storage: storage)
        return router
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
