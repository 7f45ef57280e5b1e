import Hummingbird
import StewardAuth
import StewardCore
import StewardPrivacy

/// `/unsubscribe`: the link in every marketing mail (promise TB-11). GET asks once (so a mail scanner that follows
/// links unsubscribes no one); POST, from that page or as RFC 8058 one-click `List-Unsubscribe=One-Click` from the
/// mail client, withdraws the consent at once. The signed link is the authorisation, so there is no CSRF token.
extension Console {
    func registerUnsubscribe(on router: Router<StewardRequestContext>) {
        router.get("unsubscribe") { request, _ in
            guard verifiedUnsubscriber(request) != nil else { return unsubscribeRefusal(request) }
            return publicPage(
                request, "unsubscribe", title: "Unsubscribe",
                ["done": false, "purposeName": marketingName, "action": request.uri.description])
        }
        router.post("unsubscribe") { request, context in
            guard let user = verifiedUnsubscriber(request) else { return unsubscribeRefusal(request) }
            _ = try await request.body.collect(upTo: 4096)
            try await marketing.unsubscribe(user, from: client(request, context))
            return publicPage(request, "unsubscribe", title: "Unsubscribed", ["done": true, "purposeName": marketingName])
        }
    }

    var marketingName: String { privacy.purpose(MarketingMail.purpose)?.name ?? MarketingMail.purpose }

    func verifiedUnsubscriber(_ request: Request) -> UserID? {
        let query = request.uri.queryParameters
        return marketing.verify(user: query.get("u") ?? "", purpose: query.get("p") ?? "", signature: query.get("t") ?? "")
    }

    func unsubscribeRefusal(_ request: Request) -> Response {
        errorPage(
            request, viewer: nil,
            StewardError.badRequest(
                "This unsubscribe link is incomplete or was changed. Use the link from the mail as it is, or switch news off under My Account → Consents"))
    }
}
