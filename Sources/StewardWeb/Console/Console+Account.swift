import Foundation
import Hummingbird
import NIOCore
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
        router.post("account/picture") { request, _ in
            try await signedIn(request) { viewer in
                do {
                    let form = try await MultipartForm.read(request, limit: Self.maximumPictureSize + 16_384)
                    guard let sent = form.fields["csrf"], Secrets.constantTimeEquals(sent, viewer.csrf) else { throw Self.csrfFailure }
                    if form.fields["remove"] != nil {
                        try await identity.apply([.setPicture(viewer.user.id, bytes: nil, contentType: nil)])
                        return redirect("/account?saved=1")
                    }
                    guard let file = form.files["picture"], !file.bytes.isEmpty else { throw StewardError.badRequest("Choose a picture to upload") }
                    guard file.bytes.count <= Self.maximumPictureSize else {
                        throw StewardError(.payloadTooLarge, "The picture is larger than \(Self.maximumPictureSize / 1024) KB")
                    }
                    guard let type = Self.imageType(file.bytes) else {
                        throw StewardError.badRequest("The picture must be a PNG or JPEG image")
                    }
                    try await identity.apply([.setPicture(viewer.user.id, bytes: file.bytes, contentType: type)])
                    return redirect("/account?saved=1")
                } catch let error as StewardError {
                    return try await accountPage(viewer, flash: .error(error.message), status: Self.status(of: error))
                }
            }
        }
        router.get("account/picture") { request, _ in
            try await signedIn(request) { viewer in
                guard let picture = try await identity.picture(of: viewer.user.id) else { return Response(status: .notFound) }
                return Response(
                    status: .ok, headers: [.contentType: picture.contentType, .cacheControl: "private, no-store"],
                    body: .init(byteBuffer: ByteBuffer(bytes: picture.bytes)))
            }
        }
        router.post("account/password") { request, context in
            try await signedInForm(request) { viewer, form in
                do {
                    let revokeKeys = Self.revokeKeys(form.fields)
                    try await signIn.changePassword(
                        viewer.user, current: form["current_password"] ?? "", new: form["new_password"] ?? "",
                        keepSession: viewer.session.id, revokeKeys: revokeKeys, from: client(request, context))
                    mailQueued()
                    let done = revokeKeys
                        ? "Password changed. Every other session was signed out and your application keys were revoked."
                        : "Password changed. Every other session was signed out; your application keys still work."
                    return try await accountPage(viewer, flash: .notice(done))
                } catch let error as StewardError {
                    return try await accountPage(viewer, flash: .error(error.message), status: Self.status(of: error))
                }
            }
        }
    }

    static let maximumPictureSize = 512 * 1024

    /// The image type by its first bytes, not by what the browser claims.
    static func imageType(_ bytes: [UInt8]) -> String? {
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return "image/png" }
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return "image/jpeg" }
        return nil
    }

    func accountPage(
        _ viewer: Viewer, flash: Flash?, status: HTTPResponse.Status = .ok, form: [String: String] = [:]
    ) async throws -> Response {
        let fresh = try await identity.account(id: viewer.user.id) ?? viewer.account
        let agreements = try await identity.agreements(of: viewer.user.id)
        let details = fresh.details
        var tenantName = ""
        if let tenant = fresh.user.tenantID { tenantName = try await accounts.tenant(id: tenant)?.name ?? "" }
        let keys = Self.keyChoice(try await signIn.activeKeyCount(of: viewer.user.id))
        return page(
            viewer, "account", title: "My Account",
            keys.merging([
                "accountId": fresh.user.id.description, "email": fresh.user.email,
                "role": fresh.user.authority.rawValue, "tenant": tenantName,
                "name": form["name"] ?? fresh.user.firstName ?? "", "company": form["company"] ?? details.company ?? "",
                "phone": form["phone"] ?? details.phone ?? "", "hasPicture": details.hasPicture,
                "emailVerified": details.emailVerifiedTime.map(ConsoleFormat.time) ?? "not confirmed (created by an administrator)",
                "jurisdiction": details.jurisdiction ?? "—",
                "agreements": agreements.map {
                    ["version": $0.policyVersion, "time": ConsoleFormat.time($0.time), "method": $0.method, "ip": $0.ip]
                },
            ]) { _, new in new }, flash: flash, status: status)
    }
}

enum ConsoleFormat {
    static func time(_ millis: Int64) -> String { UTCTime.format(millis, seconds: true) }
}
