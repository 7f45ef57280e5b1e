import Foundation
import HTTPTypes
import Hummingbird
import StewardAuth
import StewardCore
import StewardPrivacy
import StewardStore

/// The complaint form, public and signed in, whose answer names the supervisory authority (promise MB-24), and the
/// staff list of complaints.
extension Console {
    var complaints: ComplaintService {
        ComplaintService(store: identity, declaration: privacy, publicURL: configuration.publicURL)
    }

    func registerComplaintPages(on router: Router<StewardRequestContext>) {
        router.get("privacy/complaint") { request, _ in
            try await complaintPage(request, viewer: try await viewer(request), fields: [:])
        }
        // The declaration's page for the right to complain (rights[].page lives under /account/).
        router.get("account/privacy/complaint") { _, _ in redirect("/privacy/complaint") }
        router.post("privacy/complaint") { request, context in
            let form = try await FormBody.read(request)
            let viewer = try await viewer(request)
            do {
                if let viewer { try checkCSRF(viewer, form) } else { try checkAnonymousCSRF(request, form) }
                let answer = try await complaints.file(
                    name: form["requester_name"], email: form["requester_email"], text: form["complaint_text"] ?? "",
                    user: viewer?.user, ip: context.clientIP)
                mailQueued()
                let data = authorityData(reference: answer.complaintID)
                if let viewer { return page(viewer, "complaint-answer", title: "Complaint received", data) }
                return publicPage(request, "complaint-answer", title: "Complaint received", data)
            } catch let error as StewardError {
                if error == Self.csrfFailure { return errorPage(request, viewer: viewer, error) }
                return try await complaintPage(
                    request, viewer: viewer, fields: form.fields, flash: .error(error.message), status: Self.status(of: error))
            }
        }
        router.get("admin/complaints") { request, _ in
            try await signedIn(request) { viewer in
                do {
                    let list = try await complaints.complaints(for: viewer.user)
                    return page(
                        viewer, "complaints", title: "Complaints",
                        [
                            "complaints": list.map {
                                [
                                    "id": $0.id, "time": ConsoleFormat.time($0.receivedTime), "name": $0.name ?? "",
                                    "email": $0.email, "text": $0.text,
                                ]
                            }
                        ])
                } catch let error as StewardError {
                    return errorPage(request, viewer: viewer, error)
                }
            }
        }
    }

    func complaintPage(
        _ request: Request, viewer: Viewer?, fields: [String: String], flash: Flash? = nil, status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        var data = authorityData(reference: nil)
        data["name"] = fields["requester_name"] ?? ""
        data["email"] = fields["requester_email"] ?? ""
        data["text"] = fields["complaint_text"] ?? ""
        if let viewer {
            data["signedIn"] = true
            data["email"] = viewer.user.email
            return page(viewer, "complaint", title: "Make a complaint", data, flash: flash, status: status)
        }
        return publicPage(request, "complaint", title: "Make a complaint", data, flash: flash, status: status)
    }

    /// The supervisory authority and the operator's privacy contacts, from the declaration.
    func authorityData(reference: String?) -> [String: Any] {
        let authority = privacy.supervisoryAuthority
        var data: [String: Any] = [
            "authorityName": authority.name, "authorityURL": authority.url,
            "controllerName": privacy.controller.name, "controllerEmail": privacy.controller.email,
        ]
        if let address = authority.address { data["authorityAddress"] = address }
        if let dpo = privacy.dpo { data["dpo"] = ["name": dpo.name, "email": dpo.email] }
        if let reference { data["reference"] = reference }
        return data
    }
}
