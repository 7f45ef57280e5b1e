import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import StewardAuth
import StewardCore
import StewardPrivacy
import StewardStore

/// My Account → Consents: the purposes that rest on consent, their current state and history, give or withdraw
/// with one click; GPC and DNT honoured server-side; `/.well-known/gpc.json`.
extension Console {
    var ledger: ConsentLedger { ConsentLedger(store: identity, declaration: privacy) }

    static func signals(_ request: Request) -> PrivacySignals {
        PrivacySignals(secGPC: request.headers[HTTPField.Name("Sec-GPC")!], dnt: request.headers[HTTPField.Name("DNT")!])
    }

    func registerConsentPages(on router: Router<StewardRequestContext>) {
        router.get(".well-known/gpc.json") { _, _ in
            Self.text("{\"gpc\":true,\"lastUpdate\":\(JSONValue.quoted(privacy.effectiveDate))}", type: "application/json")
        }
        router.get("account/consents") { request, _ in
            try await signedIn(request) { viewer in try await consentsPage(viewer, request, flash: nil) }
        }
        router.post("account/consents") { request, context in
            try await signedInForm(request) { viewer, form in
                do {
                    let purpose = try form.require("purpose", "The purpose")
                    try await ledger.decide(
                        viewer.user, purpose: purpose, give: form["choice"] == "give", method: .form,
                        signals: Self.signals(request), confirmedOverSignal: form["confirm_over_signal"] != nil,
                        from: client(request, context))
                    return try await consentsPage(viewer, request, flash: .notice("Your choice is recorded and applies at once."))
                } catch let error as StewardError {
                    return try await consentsPage(viewer, request, flash: .error(error.message), status: Self.status(of: error))
                }
            }
        }
        router.get("account/consents/check") { request, _ in
            try await signedIn(request) { viewer in
                let purpose = request.uri.queryParameters.get("purpose") ?? ""
                let category = request.uri.queryParameters.get("category") ?? ""
                let decision = try await PurposeCheck(ledger: ledger).decide(
                    purpose: purpose, category: category, user: viewer.user, signals: Self.signals(request))
                let body: JSONValue
                switch decision {
                case .allowed: body = .object([JSONMember("allowed", .bool(true))])
                case .refused(let reason): body = .object([JSONMember("allowed", .bool(false)), JSONMember("reason", .string(reason))])
                }
                return Self.text(body.serialized, type: "application/json")
            }
        }
    }

    func consentsPage(_ viewer: Viewer, _ request: Request, flash: Flash?, status: HTTPResponse.Status = .ok) async throws -> Response {
        let signals = Self.signals(request)
        let current = try await ledger.current(viewer.user.id)
        let history = try await ledger.history(of: viewer.user.id)
        return page(
            viewer, "consents", title: "Consents",
            [
                // A section renders for any string, even an empty one: `false` when the browser sends no signal.
            "signal": signals.name.map { $0 as Any } ?? false,
                "purposes": ledger.consentPurposes.map { purpose -> [String: Any] in
                    let entry = current[purpose.key]
                    return [
                        "key": purpose.key, "name": purpose.name, "description": purpose.description,
                        "state": entry?.state.rawValue ?? "not asked", "given": entry?.state == .given,
                        "signalOff": signals.switchesOff(purpose),
                    ]
                },
                "history": history.map {
                    [
                        "time": ConsoleFormat.time($0.time), "purpose": $0.purpose, "state": $0.state.rawValue,
                        "method": $0.method.rawValue, "version": $0.policyVersion,
                    ]
                },
            ], flash: flash, status: status)
    }
}
