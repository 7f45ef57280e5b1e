import Foundation
import Hummingbird
import StewardAuth
import StewardCore
import StewardDevices
import StewardPrivacy
import StewardStore

/// Customers and their users in the console (`/customers`, tenant administrators), through `AccountService` (the
/// tenant, customer and user rules), `DeviceManagement` (assigning devices) and the erasure service (removing a user
/// erases a person). A customer user sees only their customer's devices (`ScopeService`).
extension Console {
    func registerCustomerPages(on router: Router<StewardRequestContext>) {
        registerWelcomePages(on: router)
        router.get("customers") { request, _ in
            try await signedIn(request) { viewer in
                let tenant = try requireCustomerAdmin(viewer)
                return try await customerList(request, viewer, tenant: tenant)
            }
        }
        router.post("customers/new") { request, _ in
            try await signedInForm(request) { viewer, form in
                let tenant = try requireCustomerAdmin(viewer)
                do {
                    let customer = try await accounts.createCustomer(tenant: tenant, name: form["name"] ?? "")
                    return redirect("/customers/\(customer.id)?created=1")
                } catch let error as StewardError where error.kind == .badRequest || error.kind == .conflict {
                    return try await customerList(request, viewer, tenant: tenant, typed: form["name"] ?? "", flash: .error(error.message))
                }
            }
        }
        router.get("customers/:customerId") { request, context in
            try await signedIn(request) { viewer in
                let tenant = try requireCustomerAdmin(viewer)
                let customer = try await accounts.requireCustomer(tenant: tenant, id: try Self.customerID(context))
                var flash: Flash?
                let query = request.uri.queryParameters
                if query.get("created") != nil { flash = .notice("Added \(customer.name). Assign devices to it and invite its users below.") }
                if query.get("renamed") != nil { flash = .notice("Renamed to \(customer.name).") }
                if let email = query.get("invited") {
                    flash = .notice(
                        mailWaits
                            ? "Invited \(email). The invitation mail waits until a mail server is set up."
                            : "Invited \(email): the mail says who invited them to what, and its link lets them choose a password within \(configuration.invitationLinkLifetime / 86_400_000) days.")
                }
                if let email = query.get("removed") { flash = .notice("Removed \(email): their account and personal data are erased.") }
                if let name = query.get("assigned") { flash = .notice("\(name) now belongs to \(customer.name).") }
                if let name = query.get("unassigned") { flash = .notice("\(name) no longer belongs to \(customer.name).") }
                return try await customerPage(viewer, tenant: tenant, customer: customer, flash: flash)
            }
        }
        router.post("customers/:customerId") { request, context in
            try await signedInForm(request) { viewer, form in
                let tenant = try requireCustomerAdmin(viewer)
                let customer = try await accounts.requireCustomer(tenant: tenant, id: try Self.customerID(context))
                do {
                    _ = try await accounts.renameCustomer(tenant: tenant, id: customer.id, name: form["name"] ?? "")
                    return redirect("/customers/\(customer.id)?renamed=1")
                } catch let error as StewardError where error.kind == .badRequest || error.kind == .conflict {
                    return try await customerPage(
                        viewer, tenant: tenant, customer: customer, typedName: form["name"], flash: .error(error.message), status: .badRequest)
                }
            }
        }
        router.post("customers/:customerId/users") { request, context in
            try await signedInForm(request) { viewer, form in
                let tenant = try requireCustomerAdmin(viewer)
                let customer = try await accounts.requireCustomer(tenant: tenant, id: try Self.customerID(context))
                let email = form["email"] ?? ""
                do {
                    let user = try await invitations.invite(
                        tenant: tenant, customer: customer.id, email: email, by: viewer.user, credential: viewer.principal.credential,
                        from: client(request, context))
                    mailQueued()
                    return redirect("/customers/\(customer.id)?invited=\(Self.queryValue(user.email))")
                } catch let error as StewardError where error.kind == .badRequest || error.kind == .conflict {
                    return try await customerPage(
                        viewer, tenant: tenant, customer: customer, typedEmail: email, flash: .error(error.message), status: .badRequest)
                }
            }
        }
        router.post("customers/:customerId/devices") { request, context in
            try await signedInForm(request) { viewer, form in
                let tenant = try requireCustomerAdmin(viewer)
                let customer = try await accounts.requireCustomer(tenant: tenant, id: try Self.customerID(context))
                guard let id = DeviceID(form["assignDevice"] ?? "") else {
                    return try await customerPage(
                        viewer, tenant: tenant, customer: customer, flash: .error("Choose one of the listed devices"), status: .badRequest)
                }
                let device = try await devicePagesSetUp().management.assign(tenant: tenant, device: id, customer: customer.id)
                return redirect("/customers/\(customer.id)?assigned=\(Self.queryValue(device.name))")
            }
        }
        router.post("customers/:customerId/devices/:deviceId/unassign") { request, context in
            try await signedInForm(request) { viewer, _ in
                let tenant = try requireCustomerAdmin(viewer)
                let customer = try await accounts.requireCustomer(tenant: tenant, id: try Self.customerID(context))
                let device = try await visibleDevice(viewer, context)
                guard device.customerID == customer.id else {
                    return errorPage(request, viewer: viewer, .notFound("\(device.name) does not belong to \(customer.name)"))
                }
                _ = try await devicePagesSetUp().management.assign(tenant: tenant, device: device.id, customer: nil)
                return redirect("/customers/\(customer.id)?unassigned=\(Self.queryValue(device.name))")
            }
        }
        router.get("customers/:customerId/users/:userId/remove") { request, context in
            try await signedIn(request) { viewer in
                let tenant = try requireCustomerAdmin(viewer)
                let customer = try await accounts.requireCustomer(tenant: tenant, id: try Self.customerID(context))
                let user = try await accounts.customerUser(tenant: tenant, customer: customer.id, id: try Self.userID(context))
                return page(
                    viewer, "customer-user-remove", title: "Remove \(user.email)?",
                    [
                        "customerId": customer.id.description, "customer": customer.name, "userId": user.id.description,
                        "email": user.email, "stays": rights.eraser.whatStays().map { ["what": $0.what, "why": $0.why] },
                    ])
            }
        }
        router.post("customers/:customerId/users/:userId/remove") { request, context in
            try await signedInForm(request) { viewer, _ in
                let tenant = try requireCustomerAdmin(viewer)
                let customer = try await accounts.requireCustomer(tenant: tenant, id: try Self.customerID(context))
                let user = try await accounts.customerUser(tenant: tenant, customer: customer.id, id: try Self.userID(context))
                _ = try await rights.eraser.erase(user.id, actor: "tenant-admin:\(viewer.user.id)", ip: context.clientIP)
                return redirect("/customers/\(customer.id)?removed=\(Self.queryValue(user.email))")
            }
        }
        router.get("customers/:customerId/delete") { request, context in
            try await signedIn(request) { viewer in
                let tenant = try requireCustomerAdmin(viewer)
                let customer = try await accounts.requireCustomer(tenant: tenant, id: try Self.customerID(context))
                let users = try await accounts.customerUsers(tenant: tenant, customer: customer.id).count
                let devices = try await deviceService.devices.deviceCount(tenant: tenant, customer: customer.id, textSearch: nil)
                return page(
                    viewer, "customer-delete", title: "Delete \(customer.name)?",
                    [
                        "id": customer.id.description, "name": customer.name, "devices": devices, "users": users,
                        "hasUsers": users > 0, "oneDevice": devices == 1, "oneUser": users == 1,
                    ])
            }
        }
        router.post("customers/:customerId/delete") { request, context in
            try await signedInForm(request) { viewer, _ in
                let tenant = try requireCustomerAdmin(viewer)
                let customer = try await accounts.requireCustomer(tenant: tenant, id: try Self.customerID(context))
                do {
                    let devices = try await accounts.deleteCustomer(tenant: tenant, id: customer.id)
                    return redirect("/customers?deleted=\(Self.queryValue(customer.name))&devices=\(devices)")
                } catch let error as StewardError where error.kind == .badRequest {
                    return errorPage(request, viewer: viewer, error)
                }
            }
        }
    }

    /// The tenant, when the viewer administers it.
    func requireCustomerAdmin(_ viewer: Viewer) throws(StewardError) -> TenantID {
        guard viewer.user.authority == .tenantAdmin, let tenant = viewer.user.tenantID else {
            throw .forbidden("Only tenant administrators manage customers")
        }
        return tenant
    }

    static func customerID(_ context: StewardRequestContext) throws(StewardError) -> CustomerID {
        guard let id = CustomerID(context.parameters.get("customerId") ?? "") else { throw .notFound("There is no such customer") }
        return id
    }

    static func userID(_ context: StewardRequestContext) throws(StewardError) -> UserID {
        guard let id = UserID(context.parameters.get("userId") ?? "") else { throw .notFound("This customer has no such user") }
        return id
    }

    func customerList(_ request: Request, _ viewer: Viewer, tenant: TenantID, typed: String = "", flash: Flash? = nil) async throws
        -> Response
    {
        let rows: [[String: Any]] = try await accounts.customerSummaries(tenant: tenant).map {
            ["id": $0.customer.id.description, "name": $0.customer.name, "devices": $0.devices, "users": $0.users]
        }
        var flash = flash
        let query = request.uri.queryParameters
        if flash == nil, let name = query.get("deleted") {
            let devices = Int(query.get("devices") ?? "") ?? 0
            flash = .notice(
                "Deleted \(name)." + (devices > 0 ? " Its \(devices) device\(devices == 1 ? "" : "s") stay in your workspace, unassigned." : ""))
        }
        return page(
            viewer, "customers", title: "Customers", ["customers": rows, "hasCustomers": !rows.isEmpty, "typed": typed], flash: flash,
            status: flash?.kind == "error" ? .badRequest : .ok)
    }

    func customerPage(
        _ viewer: Viewer, tenant: TenantID, customer: Customer, typedName: String? = nil, typedEmail: String = "", flash: Flash? = nil,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let devices = try await deviceService.devices.devices(tenant: tenant, customer: nil, textSearch: nil, limit: 1_000, offset: 0)
        let own = devices.filter { $0.customerID == customer.id }
        let others = devices.filter { $0.customerID != customer.id }
        let users = try await accounts.customerUsers(tenant: tenant, customer: customer.id)
        let now = WallClock.nowMillis()
        return page(
            viewer, "customer", title: customer.name,
            [
                "id": customer.id.description, "customerId": customer.id.description, "name": typedName ?? customer.name,
                "email": typedEmail,
                "devices": own.map { ["id": $0.id.description, "name": $0.name, "label": $0.label ?? ""] as [String: Any] },
                "hasDevices": !own.isEmpty,
                "assignable": others.map { ["id": $0.id.description, "name": $0.name] as [String: Any] },
                "canAssign": !others.isEmpty,
                "users": users.map {
                    ["id": $0.id.description, "email": $0.email, "added": ConsoleFormat.moment($0.createdTime, now: now)] as [String: Any]
                },
                "hasUsers": !users.isEmpty,
            ], flash: flash, status: status)
    }
}
