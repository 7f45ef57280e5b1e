import Foundation
import HTTPTypes
import Hummingbird
import StewardAuth
import StewardCore
import StewardStore

/// Opening an account without a mail server: an administrator's "Confirm account" on the users page, and "Send
/// again" for the owner once mail works. The rules are `AccountConfirmation`'s; these pages parse, call it, render.
extension Console {
    var confirmation: AccountConfirmation {
        AccountConfirmation(store: identity, accounts: accounts.accounts, configuration: configuration)
    }

    func registerConfirmationPages(on router: Router<StewardRequestContext>) {
        router.get("sign-up/send-again") { request, _ in
            publicPage(
                request, "send-again", title: "Send the confirmation again",
                ["email": request.uri.queryParameters.get("email") ?? "", "mailWaits": mailWaits])
        }
        // The same answer whether or not the address has an account waiting: nobody learns who signed up.
        router.post("sign-up/send-again") { request, context in
            let form = try await FormBody.read(request)
            do {
                try checkAnonymousCSRF(request, form)
            } catch let error as StewardError {
                return errorPage(request, viewer: nil, error)
            }
            let email = (form["email"] ?? "").trimmingCharacters(in: .whitespaces)
            guard !email.isEmpty else {
                return publicPage(
                    request, "send-again", title: "Send the confirmation again", ["email": "", "mailWaits": mailWaits],
                    flash: .error("Enter the email address you signed up with"), status: .badRequest)
            }
            try await confirmation.sendAgain(email: email, client: client(request, context))
            mailQueued()
            return publicPage(
                request, "check-email", title: mailWaits ? "Your confirmation mail is waiting" : "Check your email",
                ["email": email, "mailWaits": mailWaits, "again": true])
        }
        router.post("users/:userId/confirm") { request, context in
            try await signedInForm(request) { viewer, _ in
                guard let id = UserID(context.parameters.get("userId") ?? "") else {
                    return errorPage(request, viewer: viewer, .notFound("No such account among the ones you administer"))
                }
                do {
                    let record = try await confirmation.confirm(
                        id, by: viewer.user, credential: viewer.principal.credential, ip: context.clientIP)
                    // Post, then redirect: a reload shows the list again instead of posting the confirmation twice.
                    return redirect("/users?confirmed=\(record.user.id)")
                } catch let error as StewardError {
                    return try await usersPage(viewer, flash: .error(error.message), status: Self.status(of: error))
                }
            }
        }
    }

    /// The users an administrator looks after: name, role and state in words, and "Confirm account" for those
    /// whose confirmation mail has not been followed.
    /// `confirmed` names the account just confirmed (the redirect after the form); its notice is built from the
    /// record itself, so a link cannot make the page say anything else.
    func usersPage(
        _ viewer: Viewer, flash: Flash? = nil, status: HTTPResponse.Status = .ok, confirmed: UserID? = nil
    ) async throws -> Response {
        let records = try await confirmation.accounts(for: viewer.user)
        var flash = flash
        if let confirmed, flash == nil, let record = records.first(where: { $0.user.id == confirmed }) {
            flash = .notice(
                record.details.status == .active
                    ? "Confirmed \(record.user.email): the account is open and its owner can sign in."
                    : "Confirmed \(record.user.email): the account opens once a parent gives consent.")
        }
        let now = WallClock.nowMillis()
        let rows: [[String: Any]] = records.map { record in
            [
                "id": record.user.id.description, "email": record.user.email, "name": record.user.firstName ?? "",
                "role": ConsoleFormat.role(record.user.authority), "status": ConsoleFormat.status(record.details.status),
                "waiting": record.details.status == .awaitingEmail, "created": ConsoleFormat.moment(record.user.createdTime, now: now),
                "linked": viewer.user.authority != .customerUser,
            ]
        }
        let waiting = records.filter { $0.details.status == .awaitingEmail }.count
        return page(
            viewer, "users", title: "Users",
            [
                "users": rows, "hasUsers": !rows.isEmpty, "waiting": waiting, "hasWaiting": waiting > 0, "mailWaits": mailWaits,
                "allTenants": viewer.user.authority == .systemAdmin,
            ], flash: flash, status: status)
    }
}
