import Foundation
import Hummingbird
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
                    let name = try FieldRules.name(form["name"] ?? "")
                    let company = try FieldRules.optional(form["company"], label: "The company", maximum: FieldRules.maximumCompanyLength)
                    let phone = try FieldRules.phone(form["phone"])
                    try await identity.apply([
                        .updateProfile(viewer.user.id, firstName: name, company: company, phone: phone),
                        .audit(
                            AuditEvent(
                                time: WallClock.nowMillis(), tenantID: viewer.user.tenantID, actorID: viewer.user.id,
                                credential: "session:\(viewer.session.id)", subjectID: viewer.user.id, event: "profile.updated")),
                    ])
                    return redirect("/account?saved=1")
                } catch let error as StewardError {
                    return try await accountPage(viewer, flash: .error(error.message), status: Self.status(of: error), form: form.fields)
                }
            }
        }
        router.post("account/password") { request, context in
            try await signedInForm(request) { viewer, form in
                do {
                    try await signIn.changePassword(
                        viewer.user, current: form["current_password"] ?? "", new: form["new_password"] ?? "",
                        keepSession: viewer.session.id, from: client(request, context))
                    mailQueued()
                    return try await accountPage(viewer, flash: .notice("Password changed. Every other session was signed out."))
                } catch let error as StewardError {
                    return try await accountPage(viewer, flash: .error(error.message), status: Self.status(of: error))
                }
            }
        }
    }

    func accountPage(
        _ viewer: Viewer, flash: Flash?, status: HTTPResponse.Status = .ok, form: [String: String] = [:]
    ) async throws -> Response {
        let fresh = try await identity.account(id: viewer.user.id) ?? viewer.account
        let agreements = try await identity.agreements(of: viewer.user.id)
        let details = fresh.details
        var tenantName = ""
        if let tenant = fresh.user.tenantID { tenantName = try await accounts.tenant(id: tenant)?.name ?? "" }
        return page(
            viewer, "account", title: "My Account",
            [
                "accountId": fresh.user.id.description, "email": fresh.user.email,
                "role": fresh.user.authority.rawValue, "tenant": tenantName,
                "name": form["name"] ?? fresh.user.firstName ?? "", "company": form["company"] ?? details.company ?? "",
                "phone": form["phone"] ?? details.phone ?? "",
                "emailVerified": details.emailVerifiedTime.map(ConsoleFormat.time) ?? "not confirmed (created by an administrator)",
                "jurisdiction": details.jurisdiction ?? "—",
                "agreements": agreements.map {
                    ["version": $0.policyVersion, "time": ConsoleFormat.time($0.time), "method": $0.method, "ip": $0.ip]
                },
            ], flash: flash, status: status)
    }
}

enum ConsoleFormat {
    static func time(_ millis: Int64) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss 'UTC'"
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(millis) / 1000))
    }
}
