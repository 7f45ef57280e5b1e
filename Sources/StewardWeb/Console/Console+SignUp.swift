import Foundation
import Hummingbird
import StewardAuth
import StewardCore
import StewardStore

/// Sign-up, email confirmation and a parent's consent.
extension Console {
    func registerSignUpPages(on router: Router<StewardRequestContext>) {
        router.get("sign-up") { request, _ in
            publicPage(request, "sign-up", title: "Create your account", signUpData([:]))
        }
        router.post("sign-up") { request, context in
            let form = try await FormBody.read(request)
            do {
                try checkAnonymousCSRF(request, form)
                let birthYear = form["birth_year"].flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
                let signUpRequest = SignUpRequest(
                    name: form["name"] ?? "", email: form["email"] ?? "", password: form["password"] ?? "",
                    jurisdiction: form["jurisdiction"] ?? "", birthYear: birthYear, parentEmail: form["parent_email"],
                    agreedToPolicyVersion: form["agree_policy"], ip: context.clientIP, client: request.headers[.userAgent] ?? "")
                // Every field's problem at once, each next to its field; what was typed stays (except the password).
                let problems = signUp.problems(signUpRequest)
                if !problems.isEmpty {
                    var data = signUpData(form.fields)
                    for problem in problems where data[Self.errorKey(problem.field)] == nil {
                        data[Self.errorKey(problem.field)] = problem.message
                    }
                    let count = problems.count
                    return publicPage(
                        request, "sign-up", title: "Create your account", data,
                        flash: .error(count == 1 ? problems[0].message : "Please correct the \(count) fields marked below."),
                        status: .badRequest)
                }
                try await signUp.signUp(signUpRequest)
                mailQueued()
                // Without a mail server nothing is sent: the page says the mail waits, never "we sent".
                return publicPage(
                    request, "check-email", title: mailWaits ? "Your confirmation mail is waiting" : "Check your email",
                    ["email": form["email"] ?? "", "mailWaits": mailWaits])
            } catch let error as StewardError {
                return publicPage(
                    request, "sign-up", title: "Create your account", signUpData(form.fields), flash: .error(error.message),
                    status: Self.status(of: error))
            }
        }
        router.get("confirm-email") { request, _ in
            let token = request.uri.queryParameters.get("token") ?? ""
            return publicPage(request, "confirm-email", title: "Confirm your email", ["token": token])
        }
        router.post("confirm-email") { request, _ in
            let form = try await FormBody.read(request)
            do {
                try checkAnonymousCSRF(request, form)
                let user = try await signUp.confirmEmail(token: form["token"] ?? "")
                let account = try await signIn.account(id: user.id)
                let waiting = account?.details.status == .awaitingParent
                return publicPage(request, "confirmed", title: "Email confirmed", ["waitingForParent": waiting])
            } catch let error as StewardError {
                return errorPage(request, viewer: nil, error)
            }
        }
        router.get("parent-consent") { request, _ in
            let token = request.uri.queryParameters.get("token") ?? ""
            return publicPage(
                request, "parent-consent", title: "Consent for a child's account",
                ["token": token, "policyVersion": configuration.policyVersion])
        }
        router.post("parent-consent") { request, context in
            let form = try await FormBody.read(request)
            do {
                try checkAnonymousCSRF(request, form)
                _ = try await signUp.confirmParentConsent(
                    token: form["token"] ?? "", ip: context.clientIP, client: request.headers[.userAgent] ?? "")
                return publicPage(request, "message", title: "Thank you", ["message": "Your consent is recorded. The account is open once its email address is confirmed."])
            } catch let error as StewardError {
                return errorPage(request, viewer: nil, error)
            }
        }
    }

    /// The sign-up form's values (re-shown after an error, never the password) and the jurisdiction list.
    /// The template key of a sign-up field's error (`birth_year` → `birth_yearError`).
    static func errorKey(_ field: String) -> String { "\(field)Error" }

    func signUpData(_ fields: [String: String]) -> [String: Any] {
        let chosen = fields["jurisdiction"] ?? ""
        return [
            "name": fields["name"] ?? "", "email": fields["email"] ?? "", "birthYear": fields["birth_year"] ?? "",
            "parentEmail": fields["parent_email"] ?? "", "policyVersion": configuration.policyVersion,
            "agreed": fields["agree_policy"] != nil,
            "jurisdictions": AgeGate.jurisdictions.map {
                ["code": $0.code, "name": $0.name, "age": $0.ageOfConsent, "selected": $0.code == chosen] as [String: Any]
            },
        ]
    }
}
