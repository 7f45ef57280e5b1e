import Foundation
import HTTPTypes
import Hummingbird
import StewardAuth
import StewardCore
import StewardPrivacy
import StewardStore

/// The register of disclosures to authorities (promise TB-8): system administrators record them; tenant
/// administrators read the unrestricted entries about their tenant's people.
extension Console {
    var disclosures: DisclosureRegister { DisclosureRegister(store: identity, declaration: privacy) }

    func registerDisclosurePages(on router: Router<StewardRequestContext>) {
        router.get("admin/disclosures") { request, _ in
            try await signedIn(request) { viewer in try await disclosuresPage(viewer, request, fields: [:]) }
        }
        router.post("admin/disclosures") { request, context in
            try await signedInForm(request) { viewer, form in
                do {
                    guard let disclosed = try Self.day(form["disclosed_on"], label: "The date of the disclosure") else {
                        throw StewardError.badRequest("Give the date of the disclosure")
                    }
                    let entry = NewDisclosure(
                        subjectEmail: form["subject_email"] ?? "", recipient: form["recipient"] ?? "",
                        categories: form.values["disclosed_categories"] ?? [], what: form["disclosed_what"] ?? "",
                        legalGround: form["legal_ground"] ?? "",
                        disclosedTime: disclosed,
                        restrictedUntil: try Self.day(form["restricted_until"], label: "The end of the restriction"),
                        restrictionReason: form["restriction_reason"])
                    let record = try await disclosures.record(entry, by: viewer.user, ip: context.clientIP)
                    return try await disclosuresPage(
                        viewer, request, fields: [:], flash: .notice("Disclosure \(record.id) recorded."))
                } catch let error as StewardError {
                    if error.kind == .forbidden, viewer.user.authority != .systemAdmin { return errorPage(request, viewer: viewer, error) }
                    return try await disclosuresPage(
                        viewer, request, fields: form.fields, flash: .error(error.message), status: Self.status(of: error))
                }
            }
        }
    }

    func disclosuresPage(
        _ viewer: Viewer, _ request: Request, fields: [String: String], flash: Flash? = nil, status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let entries: [DisclosureRecord]
        do {
            entries = try await disclosures.entries(for: viewer.user)
        } catch let error as StewardError {
            return errorPage(request, viewer: viewer, error)
        }
        let time = WallClock.nowMillis()
        var rows: [[String: Any]] = []
        for entry in entries {
            var row: [String: Any] = [
                "id": entry.id, "time": ConsoleFormat.time(entry.disclosedTime), "recipient": entry.recipient,
                "categories": entry.categories.map { privacy.category($0)?.name ?? $0 }.joined(separator: ", "),
                "what": entry.what, "ground": entry.legalGround,
                "person": try await signIn.account(id: entry.userID)?.user.email ?? entry.userID.description,
            ]
            if let until = entry.restrictedUntil, !entry.isVisible(at: time) {
                row["restricted"] = "until \(ConsoleFormat.time(until)): \(entry.restrictionReason ?? "")"
            }
            rows.append(row)
        }
        let authorities = disclosures.authorities
        let categoryKeys = authorities.flatMap(\.categories).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        var data: [String: Any] = [
            "canRecord": viewer.user.authority == .systemAdmin,
            "authorities": authorities.map { ["name": $0.name, "selected": $0.name == fields["recipient"]] as [String: Any] },
            "categories": categoryKeys.map { ["key": $0, "name": privacy.category($0)?.name ?? $0] },
            "entries": rows,
        ]
        for name in ["subject_email", "disclosed_what", "legal_ground", "disclosed_on", "restricted_until", "restriction_reason"] {
            data[name] = fields[name] ?? ""
        }
        return page(viewer, "disclosures", title: "Disclosures to authorities", data, flash: flash, status: status)
    }

    /// A `YYYY-MM-DD` field as midnight UTC; nil when empty.
    static func day(_ text: String?, label: String) throws(StewardError) -> Int64? {
        guard let text = text?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        guard let date = formatter.date(from: text) else { throw .badRequest("\(label) must be a date written YYYY-MM-DD") }
        return Int64(date.timeIntervalSince1970 * 1000)
    }
}
