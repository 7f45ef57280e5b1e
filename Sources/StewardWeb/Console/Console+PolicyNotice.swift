import Hummingbird
import StewardAuth
import StewardCore
import StewardPrivacy
import StewardStore

/// The notice shown at the first sign-in after a material policy change (promises TM-18, MS-23): what changed,
/// the purposes that rest on consent asked again, and, for a change that narrows a right, an explicit agreement.
/// Until it is answered every signed-in page leads here, except those that let a person leave instead.
extension Console {
    var policyChanges: PolicyChangeService {
        PolicyChangeService(store: identity, declaration: privacy, publicURL: configuration.publicURL)
    }

    /// Pages a person may open before answering: the notice itself, the policy, consents, and whatever lets them
    /// leave (sign-out, the privacy pages under My Account).
    static func readableBeforeNotice(_ path: String) -> Bool {
        path == "/account/policy-update" || path == "/sign-out" || path.hasPrefix("/account/consents")
            || path.hasPrefix("/account/privacy") || path.hasPrefix("/privacy")
    }

    func registerPolicyNotice(on router: Router<StewardRequestContext>) {
        router.get("account/policy-update") { request, _ in
            try await signedIn(request) { viewer in
                guard let notice = try await policyChanges.pendingNotice(for: viewer.account) else { return redirect("/") }
                return noticePage(viewer, notice, signals: Self.signals(request), flash: nil)
            }
        }
        router.post("account/policy-update") { request, context in
            try await signedInForm(request) { viewer, form in
                guard let notice = try await policyChanges.pendingNotice(for: viewer.account) else { return redirect("/") }
                var answers: [String: Bool] = [:]
                for purpose in notice.purposesToAsk {
                    if let answer = form["consent_\(purpose.key)"] { answers[purpose.key] = answer == "give" }
                }
                do {
                    try await policyChanges.acknowledge(
                        viewer.account, notice: notice, explicitAgreement: form["explicit"] == "1", answers: answers,
                        signals: Self.signals(request), confirmedOverSignal: form["confirm_over_signal"] != nil,
                        from: client(request, context))
                } catch let error as StewardError {
                    return noticePage(viewer, notice, signals: Self.signals(request), flash: .error(error.message), status: Self.status(of: error))
                }
                return redirect("/")
            }
        }
    }

    func noticePage(
        _ viewer: Viewer, _ notice: PolicyChangeService.Notice, signals: PrivacySignals, flash: Flash?, status: HTTPResponse.Status = .ok
    ) -> Response {
        page(
            viewer, "policy-update", title: "Our privacy policy changed",
            [
                "changes": notice.changes.map {
                    ["version": $0.version, "effectiveDate": $0.effectiveDate, "summary": $0.summary] as [String: Any]
                },
                "purposes": notice.purposesToAsk.map {
                    ["key": $0.key, "name": $0.name, "description": $0.description, "signalOff": signals.switchesOff($0)] as [String: Any]
                },
                "explicit": notice.needsExplicitAgreement,
                "controllerEmail": privacy.controller.email,
            ], flash: flash, status: status)
    }
}
