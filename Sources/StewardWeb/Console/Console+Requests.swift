import Foundation
import HTTPTypes
import Hummingbird
import StewardAuth
import StewardCore
import StewardPrivacy
import StewardStore

/// Data-subject requests: the public form with email verification, filing from a signed-in session, and the staff
/// queue sorted by due date with extensions and closing (promises MB-19, MB-21, TM-15, TB-4).
extension Console {
    var requests: RequestService {
        RequestService(store: identity, declaration: privacy, publicURL: configuration.publicURL)
    }

    func registerRequestPages(on router: Router<StewardRequestContext>) {
        router.get("privacy/request") { request, _ in
            if let viewer = try await viewer(request) { return try await requestFormPage(viewer, [:]) }
            return publicPage(request, "privacy-request", title: "Ask about your data", requestFormData([:]))
        }
        router.post("privacy/request") { request, context in
            let form = try await FormBody.read(request)
            if let viewer = try await viewer(request) {
                guard (try? checkCSRF(viewer, form)) != nil else { return errorPage(request, viewer: viewer, Self.csrfFailure) }
                do {
                    let filed = try await requests.file(
                        by: viewer.user, kind: form["request_kind"] ?? "", details: form["request_details"] ?? "",
                        ip: context.clientIP)
                    mailQueued()
                    return page(viewer, "request-confirmed", title: "Request received", confirmedData(filed))
                } catch let error as StewardError {
                    return try await requestFormPage(viewer, form.fields, flash: .error(error.message), status: Self.status(of: error))
                }
            }
            do {
                try checkAnonymousCSRF(request, form)
                try await requests.file(
                    PublicRequestForm(
                        name: form["requester_name"] ?? "", email: form["requester_email"] ?? "",
                        country: form["requester_country"] ?? "", kind: form["request_kind"] ?? "",
                        details: form["request_details"] ?? "", ip: context.clientIP))
                mailQueued()
                return publicPage(request, "request-sent", title: "Check your email", ["email": form["requester_email"] ?? ""])
            } catch let error as StewardError {
                return publicPage(
                    request, "privacy-request", title: "Ask about your data", requestFormData(form.fields),
                    flash: .error(error.message), status: Self.status(of: error))
            }
        }
        router.get("privacy/request/verify") { request, _ in
            let token = request.uri.queryParameters.get("token") ?? ""
            return publicPage(request, "request-verify", title: "Confirm your request", ["token": token])
        }
        router.post("privacy/request/verify") { request, context in
            let form = try await FormBody.read(request)
            do {
                try checkAnonymousCSRF(request, form)
                let opened = try await requests.verify(token: form["token"] ?? "", ip: context.clientIP)
                mailQueued()
                return publicPage(request, "request-confirmed", title: "Request confirmed", confirmedData(opened))
            } catch let error as StewardError {
                return errorPage(request, viewer: nil, error)
            }
        }
        router.get("admin/requests") { request, _ in
            try await signedIn(request) { viewer in try await queuePage(viewer, request, flash: nil) }
        }
        router.post("admin/requests/extend") { request, context in
            try await signedInForm(request) { viewer, form in
                try await staffAction(viewer, request) {
                    let extended = try await requests.extend(
                        id: form["request_id"] ?? "", reason: form["extension_reason"] ?? "", by: viewer.user, ip: context.clientIP)
                    return "Extended to \(ConsoleFormat.time(extended.extendedDueTime ?? 0)); the person was mailed the new date and the reason."
                }
            }
        }
        router.post("admin/requests/close") { request, context in
            try await signedInForm(request) { viewer, form in
                try await staffAction(viewer, request) {
                    let closed = try await requests.close(
                        id: form["request_id"] ?? "", refused: form["decision"] == "refused", outcome: form["outcome"] ?? "",
                        by: viewer.user, ip: context.clientIP)
                    return "Request closed as \(closed.status.rawValue); the person was mailed the outcome."
                }
            }
        }
    }

    /// Runs a queue action and shows the queue again with its result; a refusal changes nothing and says why.
    func staffAction(_ viewer: Viewer, _ request: Request, _ action: () async throws -> String) async throws -> Response {
        do {
            let notice = try await action()
            mailQueued()
            return try await queuePage(viewer, request, flash: .notice(notice))
        } catch let error as StewardError {
            if error.kind == .forbidden { return errorPage(request, viewer: viewer, error) }
            return try await queuePage(viewer, request, flash: .error(error.message), status: Self.status(of: error))
        }
    }

    func queuePage(_ viewer: Viewer, _ request: Request, flash: Flash?, status: HTTPResponse.Status = .ok) async throws -> Response {
        let queue: [QueuedRequest]
        let closed: [RequestRecord]
        do {
            queue = try await requests.queue(for: viewer.user)
            closed = try await requests.closed(for: viewer.user)
        } catch let error as StewardError {
            return errorPage(request, viewer: viewer, error)
        }
        return page(
            viewer, "requests", title: "Privacy requests",
            [
                "scope": viewer.user.authority == .systemAdmin ? "every tenant" : "the people of your tenant",
                "soonDays": RequestService.dueSoonDays,
                "queue": queue.map { item -> [String: Any] in
                    var row = requestRow(item.request)
                    row["due"] = ConsoleFormat.time(item.due)
                    row["daysLeft"] = item.daysLeft
                    row["late"] = item.isLate
                    row["soon"] = item.isDueSoon
                    row["canExtend"] = item.canExtend
                    row["extendedDue"] = item.extendedDue.map(ConsoleFormat.time) ?? ""
                    row["jurisdiction"] = item.jurisdiction?.name ?? item.request.jurisdiction
                    return row
                },
                "closed": closed.map { record -> [String: Any] in
                    var row = requestRow(record)
                    row["closedTime"] = record.closedTime.map(ConsoleFormat.time) ?? ""
                    row["onTime"] = (record.closedTime ?? 0) <= (record.effectiveDueTime ?? .max)
                    return row
                },
            ], flash: flash, status: status)
    }

    /// A request as templates show it. Optional texts are left out when empty: a Mustache section renders for any
    /// value, even an empty string.
    func requestRow(_ record: RequestRecord) -> [String: Any] {
        var row: [String: Any] = [
            "id": record.id, "kind": record.kind.title, "kindKey": record.kind.rawValue, "email": record.email,
            "name": record.name ?? "", "status": record.status.rawValue, "source": record.source.rawValue,
            "received": ConsoleFormat.time(record.verifiedTime ?? record.receivedTime),
            "due": record.effectiveDueTime.map(ConsoleFormat.time) ?? "—", "outcome": record.outcome ?? "",
        ]
        if !record.details.isEmpty { row["details"] = record.details }
        if let reason = record.extensionReason { row["extensionReason"] = reason }
        return row
    }

    func requestFormPage(
        _ viewer: Viewer, _ fields: [String: String], flash: Flash? = nil, status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        var data = requestFormData(fields)
        data["signedIn"] = true
        data["email"] = viewer.user.email
        data["mine"] = try await requests.requests(of: viewer.user).reversed().map { requestRow($0) }
        return page(viewer, "privacy-request", title: "Ask about your data", data, flash: flash, status: status)
    }

    /// The form's values (re-shown after an error), the kinds and the countries whose rules the declaration knows.
    func requestFormData(_ fields: [String: String]) -> [String: Any] {
        let kind = fields["request_kind"] ?? ""
        let country = fields["requester_country"] ?? ""
        return [
            "name": fields["requester_name"] ?? "", "email": fields["requester_email"] ?? "",
            "details": fields["request_details"] ?? "",
            "kinds": RequestKind.allCases.map { ["value": $0.rawValue, "title": $0.title, "selected": $0.rawValue == kind] as [String: Any] },
            "countries": requestCountries().map {
                ["code": $0.code, "name": $0.name, "selected": $0.code == country] as [String: Any]
            },
        ]
    }

    /// The sign-up countries, then any other country the declaration has rules for, then "another country".
    func requestCountries() -> [(code: String, name: String)] {
        var list = AgeGate.jurisdictions.filter { $0.code != "OTHER" }.map { (code: $0.code, name: $0.name) }
        for jurisdiction in privacy.jurisdictions {
            for country in jurisdiction.coveredCountries where !list.contains(where: { $0.code == country }) {
                list.append((code: country, name: country == jurisdiction.code ? jurisdiction.name : country))
            }
        }
        return list.sorted { $0.name < $1.name } + [(code: "OTHER", name: "Another country")]
    }

    func confirmedData(_ record: RequestRecord) -> [String: Any] {
        var data = requestRow(record)
        data["jurisdiction"] = privacy.jurisdictions.first { $0.code == record.jurisdiction }?.name ?? record.jurisdiction
        data["answered"] = record.kind == .confirmation && record.status == .done
        data["acknowledgeBy"] = record.acknowledgeBy.map(ConsoleFormat.time) ?? ""
        return data
    }
}
