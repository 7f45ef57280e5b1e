import Foundation
import Hummingbird
import NIOCore
import StewardAuth
import StewardCore
import StewardStore

/// My Account: profile, password and the record of policy agreements.
extension Console {
    func registerAccountPages(on router: Router<StewardRequestContext>) {
        router.get("account") { request, _ in
            try await signedIn(request) { viewer in
                try await accountPage(viewer, flash: request.uri.queryParameters.get("saved") != nil ? .notice("Saved.") : nil)
            }
        }
        router.post("account/profile") { request, _ in
            try await signedInForm(request) { viewer, form in
                do {
                    try await profiles.update(
                        viewer.user, name: form["name"] ?? "", company: form["company"], phone: form["phone"],
                        credential: "session:\(viewer.session.id)")
                    return redirect("/account?saved=1")
                } catch let error as StewardError {
                    return try await accountPage(viewer, flash: .error(error.message), status: Self.status(of: error), form: form.fields)
                }
            }
        }
        router.post("account/workspace") { request, _ in
            try await signedInForm(request) { viewer, form in
                guard viewer.user.authority == .tenantAdmin, let tenant = viewer.user.tenantID else {
                    return errorPage(request, viewer: viewer, .forbidden("Only a workspace's administrator can rename it"))
                }
                do {
                    let renamed = try await accounts.renameTenant(tenant, name: form["workspace_name"] ?? "")
                    return try await accountPage(viewer, flash: .notice("Your workspace is now named “\(renamed.name)”."))
                } catch let error as StewardError where error.kind == .badRequest || error.kind == .conflict {
                    return try await accountPage(viewer, flash: .error(error.message), status: .badRequest, form: form.fields)
                }
            }
        }
        router.post("account/picture") { request, _ in
            try await signedIn(request) { viewer in
                do {
                    let form = try await MultipartForm.read(request, limit: ProfileService.maximumPictureSize + 16_384)
                    guard let sent = form.fields["csrf"], Secrets.constantTimeEquals(sent, viewer.csrf) else { throw Self.csrfFailure }
                    if form.fields["remove"] != nil {
                        try await profiles.removePicture(viewer.user.id)
                        return redirect("/account?saved=1")
                    }
                    try await profiles.setPicture(viewer.user.id, bytes: form.files["picture"]?.bytes ?? [])
                    return redirect("/account?saved=1")
                } catch let error as StewardError {
                    return try await accountPage(viewer, flash: .error(error.message), status: Self.status(of: error))
                }
            }
        }
        router.get("account/picture") { request, _ in
            try await signedIn(request) { viewer in
                guard let picture = try await profiles.picture(of: viewer.user.id) else { return Response(status: .notFound) }
                return Response(
                    status: .ok, headers: [.contentType: picture.contentType, .cacheControl: "private, no-store"],
                    body: .init(byteBuffer: ByteBuffer(bytes: picture.bytes)))
            }
        }
        router.post("account/password") { request, context in
            try await signedInForm(request) { viewer, form in
                do {
                    let revokeKeys = Self.revokeKeys(form.fields)
                    try await signIn.changePassword(
                        viewer.user, current: form["current_password"] ?? "", new: form["new_password"] ?? "",
                        keepSession: viewer.session.id, revokeKeys: revokeKeys, from: client(request, context))
                    mailQueued()
                    let done = revokeKeys
                        ? "Password changed. Every other session was signed out and your application keys were revoked."
                        : "Password changed. Every other session was signed out; your application keys still work."
                    return try await accountPage(viewer, flash: .notice(done))
                } catch let error as StewardError {
                    return try await accountPage(viewer, flash: .error(error.message), status: Self.status(of: error))
                }
            }
        }
    }

    func accountPage(
        _ viewer: Viewer, flash: Flash?, status: HTTPResponse.Status = .ok, form: [String: String] = [:]
    ) async throws -> Response {
        let fresh = try await signIn.account(id: viewer.user.id) ?? viewer.account
        let agreements = try await profiles.agreements(of: viewer.user.id)
        let details = fresh.details
        var tenantName = ""
        var customerName = ""
        if let tenant = fresh.user.tenantID {
            tenantName = try await accounts.tenant(id: tenant)?.name ?? ""
            // A customer user belongs to their customer: the workspace's name is the owner's business, not theirs.
            if fresh.user.authority == .customerUser, let customer = fresh.user.customerID {
                customerName = try await accounts.customer(tenant: tenant, id: customer)?.name ?? ""
            }
        }
        let isWorkspaceAdmin = fresh.user.authority == .tenantAdmin && !tenantName.isEmpty
        let keys = Self.keyChoice(try await signIn.activeKeyCount(of: viewer.user.id))
        return page(
            viewer, "account", title: "My Account",
            keys.merging([
                "accountId": fresh.user.id.description, "email": fresh.user.email,
                // A section renders for any string, even an empty one: `false` for the system administrator's (no workspace).
                "role": ConsoleFormat.role(fresh.user.authority),
                "tenant": tenantName.isEmpty || !customerName.isEmpty ? false as Any : tenantName,
                "customer": customerName.isEmpty ? false as Any : customerName,
                "workspaceAdmin": isWorkspaceAdmin, "systemAdmin": fresh.user.authority == .systemAdmin, "workspaceName": form["workspace_name"] ?? tenantName,
                "name": form["name"] ?? fresh.user.firstName ?? "", "company": form["company"] ?? details.company ?? "",
                "phone": form["phone"] ?? details.phone ?? "", "hasPicture": details.hasPicture,
                "emailVerified": details.emailVerifiedTime.map { "confirmed \(ConsoleFormat.readable($0))" }
                    ?? "not confirmed by mail (the account was created by an administrator)",
                "jurisdiction": details.jurisdiction ?? "—",
                "agreements": agreements.map {
                    ["version": $0.policyVersion, "time": ConsoleFormat.time($0.time), "method": $0.method, "ip": $0.ip]
                },
            ]) { _, new in new }, flash: flash, status: status)
    }
}
