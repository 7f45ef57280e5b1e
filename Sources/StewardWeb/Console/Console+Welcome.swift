import Foundation
import Hummingbird
import StewardAuth
import StewardCore
import StewardPrivacy
import StewardStore

/// The invited person's side of a customer invitation (`/welcome?token=…`): who invited them to what, the privacy
/// policy to read, a password to choose and the agreement to tick; accepting signs them in. The rules are
/// `InvitationService`'s; this page parses, calls it, renders.
extension Console {
    var invitations: InvitationService {
        InvitationService(store: identity, accounts: accounts, signIn: signIn, configuration: configuration)
    }

    func registerWelcomePages(on router: Router<StewardRequestContext>) {
        router.get("welcome") { request, _ in
            let token = request.uri.queryParameters.get("token") ?? ""
            do {
                let invitation = try await invitations.check(token: token)
                return publicPage(request, "welcome", title: "Welcome to \(configuration.productName)", welcomeData(invitation, token: token))
            } catch let error as StewardError {
                return errorPage(request, viewer: nil, error)
            }
        }
        router.post("welcome") { request, context in
            let form = try await FormBody.read(request)
            let token = form["token"] ?? ""
            do {
                try checkAnonymousCSRF(request, form)
                let grant = try await invitations.accept(
                    token: token, password: form["password"] ?? "", agreedToPolicyVersion: form["agree_policy"],
                    from: client(request, context))
                mailQueued()
                await adoptBannerChoice(request, user: grant.user.id, client: client(request, context))
                return redirect("/", cookies: [sessionCookie(grant)])
            } catch let error as StewardError where error.kind == .badRequest {
                guard let invitation = try? await invitations.check(token: token) else { return errorPage(request, viewer: nil, error) }
                return publicPage(
                    request, "welcome", title: "Welcome to \(configuration.productName)",
                    welcomeData(invitation, token: token, agreed: form["agree_policy"] != nil), flash: .error(error.message),
                    status: .badRequest)
            } catch let error as StewardError {
                return errorPage(request, viewer: nil, error)
            }
        }
    }

    func welcomeData(_ invitation: Invitation, token: String, agreed: Bool = false) -> [String: Any] {
        [
            "token": token, "email": invitation.user.email, "workspace": invitation.workspace, "customer": invitation.customer,
            "policyVersion": configuration.policyVersion, "policy": PolicyRenderer.html(privacy), "agreed": agreed,
        ]
    }
}
