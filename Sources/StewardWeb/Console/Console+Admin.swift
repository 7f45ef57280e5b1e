import Foundation
import Hummingbird
import StewardAuth
import StewardCore
import StewardDevices
import StewardStore

/// The start page (the system administrator's; everyone else sees the device list there), users of a tenant, tenants,
/// and the audit trail.
extension Console {
    func registerAdminPages(on router: Router<StewardRequestContext>) {
        router.get("") { request, _ in
            try await signedIn(request) { viewer in
                if viewer.user.authority == .systemAdmin {
                    let tenants = try await accounts.tenants()
                    return page(viewer, "start", title: "Start", ["isSystemAdmin": true, "tenantCount": ConsoleFormat.count(tenants.count, "workspace")])
                }
                // Tenant administrators and customer users land on their devices (`Console+Devices.swift`).
                return try await deviceList(request, viewer)
            }
        }
        router.get("users") { request, _ in
            try await signedIn(request) { viewer in
                guard viewer.user.authority != .customerUser else {
                    return errorPage(request, viewer: viewer, .forbidden("Only administrators see the users of a tenant"))
                }
                return try await usersPage(viewer, confirmed: request.uri.queryParameters.get("confirmed").flatMap { UserID($0) })
            }
        }
        router.get("users/:userId") { request, context in
            try await signedIn(request) { viewer in
                // Administrators open the users they look after: a tenant administrator their tenant's, the system
                // administrator anyone's (the scope decides; every opening is in the audit trail).
                guard viewer.user.authority != .customerUser, let id = UserID(context.parameters.get("userId") ?? ""),
                    let user = try? await scope.user(WebContext.scope(viewer.principal), id: id),
                    let account = try await signIn.account(id: user.id)
                else { return errorPage(request, viewer: viewer, .notFound("No such user among the ones you administer")) }
                try await AccessLog(store: identity).personalDataRead(
                    by: viewer.principal, of: user, what: "user profile (console)", ip: context.clientIP)
                return page(
                    viewer, "user", title: user.email,
                    [
                        "email": user.email, "name": user.firstName ?? "", "role": ConsoleFormat.role(user.authority),
                        "company": account.details.company ?? "—", "phone": account.details.phone ?? "—",
                        "status": ConsoleFormat.status(account.details.status), "created": ConsoleFormat.readable(user.createdTime),
                    ])
            }
        }
        router.get("tenants") { request, _ in
            try await signedIn(request) { viewer in
                guard viewer.user.authority == .systemAdmin else {
                    return errorPage(request, viewer: viewer, .forbidden("Only the system administrator sees tenants"))
                }
                let tenants = try await accounts.tenants()
                return page(
                    viewer, "tenants", title: "Tenants",
                    [
                        "tenants": tenants.map {
                            ["id": $0.id.description, "name": $0.name, "created": ConsoleFormat.moment($0.createdTime)] as [String: Any]
                        },
                        "hasTenants": !tenants.isEmpty,
                    ])
            }
        }
        router.get("audit") { request, _ in
            try await signedIn(request) { viewer in
                if viewer.user.authority == .customerUser {
                    return errorPage(request, viewer: viewer, .forbidden("Only administrators see the audit trail"))
                }
                let entries = try await scope.auditEntries(WebContext.scope(viewer.principal), event: nil, limit: 200)
                // People, not ids: the users this administrator may see, by id (one lookup per distinct person).
                var names: [UserID: String] = [:]
                for id in Set(entries.flatMap { [$0.event.actorID, $0.event.subjectID].compactMap { $0 } }) {
                    if let user = try? await scope.user(WebContext.scope(viewer.principal), id: id) { names[id] = user.email }
                }
                func who(_ id: UserID?) -> String {
                    guard let id else { return "—" }
                    return names[id] ?? "a removed or other-tenant account"
                }
                let now = WallClock.nowMillis()
                return page(
                    viewer, "audit", title: "Audit trail",
                    [
                        "entries": entries.map {
                            [
                                "seq": $0.sequence, "time": ConsoleFormat.moment($0.event.time, now: now), "event": $0.event.event,
                                "eventWords": ConsoleFormat.event($0.event.event),
                                "detail": ConsoleFormat.auditDetail($0.event.detail), "actor": who($0.event.actorID),
                                "subject": who($0.event.subjectID), "credential": ConsoleFormat.credential($0.event.credential ?? ""),
                                "ip": $0.event.ip ?? "",
                            ] as [String: Any]
                        }
                    ])
            }
        }
    }
}
