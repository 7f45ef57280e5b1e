import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import StewardAuth
import StewardCore
import StewardPrivacy
import StewardStore

/// My Account → Your data: see everything held (access), download it (portability), deactivate, and Delete Account
/// with what stays and why said first, and a receipt after (promises TM-15, TM-17, TB-12, MS-3, MS-18d, TB-5).
extension Console {
    func registerPrivacyPages(on router: Router<StewardRequestContext>) {
        // The declaration names these pages for rectification and consent; they live elsewhere in My Account.
        router.get("account/profile") { _, _ in redirect("/account#profile-form") }
        router.get("account/privacy/consents") { _, _ in redirect("/account/consents") }
        router.get("account/privacy") { _, _ in redirect("/account/privacy/data") }
        router.get("account/privacy/data") { request, _ in
            try await signedIn(request) { viewer in
                let report = try await AccessReport.build(
                    for: viewer.user.id, store: rights.store, declaration: privacy, extraTables: try await rights.requestTables(for: viewer.user))
                return page(viewer, "privacy-data", title: "Your data", Self.reportData(report))
            }
        }
        // The download is a POST with the form's CSRF token: each one is recorded as a request, so a link on
        // another site must not be able to make a signed-in browser add records. GET shows the button.
        router.get("account/privacy/export") { request, _ in
            try await signedIn(request) { viewer in page(viewer, "export", title: "Download your data") }
        }
        router.post("account/privacy/export") { request, context in
            try await signedInForm(request) { viewer, _ in try await exportResponse(viewer, client(request, context)) }
        }
        for kind in [RequestKind.restriction, .objection] {
            let path = kind == .restriction ? "restrict" : "object"
            router.get("account/privacy/\(path)") { request, _ in
                try await signedIn(request) { viewer in try await rightRequestPage(viewer, kind: kind, flash: nil) }
            }
            router.post("account/privacy/\(path)") { request, context in
                try await signedInForm(request) { viewer, form in
                    do {
                        let filed = try await rights.requests.file(
                            by: viewer.user, kind: kind.rawValue, details: form["request_details"] ?? "", ip: client(request, context).ip)
                        mailQueued()
                        let due = filed.effectiveDueTime.map { UTCTime.format($0) } ?? "as the law requires"
                        return try await rightRequestPage(
                            viewer, kind: kind, flash: .notice("Your request is recorded and will be answered by \(due). We mailed you a receipt."))
                    } catch let error as StewardError {
                        return try await rightRequestPage(viewer, kind: kind, flash: .error(error.message), status: Self.status(of: error))
                    }
                }
            }
        }
        router.get("account/privacy/automated-decisions") { request, _ in
            try await signedIn(request) { viewer in
                page(viewer, "message", title: "Automated decisions", ["message": privacy.automatedDecisionMaking])
            }
        }
        router.post("account/privacy/deactivate") { request, context in
            try await signedInForm(request) { viewer, form in
                guard form["confirm"] == "yes" else {
                    return errorPage(request, viewer: viewer, .badRequest("Tick the box to confirm the deactivation; nothing was changed"))
                }
                try await rights.deactivation.deactivate(viewer.user, from: client(request, context))
                mailQueued()
                return publicPage(
                    request, "message", title: "Account deactivated",
                    ["message": "Your account is deactivated and every session and key has ended. Your data is kept as our policy says. To reactivate it, use “Forgot your password?” on the sign-in page."])
                    .withCookies([cookies.clear(ConsoleCookies.session)])
            }
        }
        router.get("account/privacy/delete") { request, _ in
            try await signedIn(request) { viewer in try await deletePage(viewer, flash: nil) }
        }
        router.post("account/privacy/delete") { request, context in
            try await signedInForm(request) { viewer, form in
                guard form["confirm"] == "yes" else {
                    return try await deletePage(viewer, flash: .error("Tick the box to confirm; nothing was deleted"), status: .badRequest)
                }
                guard await signIn.hasher.verify(form["password"] ?? "", hash: viewer.account.passwordHash) else {
                    return try await deletePage(viewer, flash: .error("The password is not right; nothing was deleted"), status: .badRequest)
                }
                if viewer.user.authority == .systemAdmin {
                    return try await deletePage(
                        viewer, flash: .error("A system administrator's account is erased with `steward dsr erase` on the server, so the platform is never left without one"),
                        status: .forbidden)
                }
                let client = client(request, context)
                let outcome = try await rights.eraser.erase(viewer.user.id, actor: "self-service:session:\(viewer.session.id)", ip: client.ip)
                return publicPage(request, "erased", title: "Account deleted", Self.receiptData(outcome.receipt, path: outcome.receiptPath))
                    .withCookies([cookies.clear(ConsoleCookies.session)])
            }
        }
        router.get("privacy/receipt/:id") { request, context in
            let id = context.parameters.get("id") ?? ""
            guard rights.eraser.receiptSignatureIsValid(id: id, signature: request.uri.queryParameters.get("t") ?? ""),
                let receipt = try await rights.store.receipt(id: id)
            else {
                return errorPage(request, viewer: nil, .notFound("No receipt at this address; use the link exactly as it was given"))
            }
            return Response(
                status: .ok,
                headers: [
                    .contentType: "application/json", .cacheControl: "no-store",
                    .contentDisposition: "attachment; filename=\"erasure-receipt-\(id).json\"",
                ],
                body: .init(byteBuffer: ByteBuffer(string: receipt.body)))
        }
    }

    /// The export as a streamed download: the archive is written while it is sent, so memory stays flat. The
    /// export is recorded as a request done at once, so it appears among the person's requests.
    func exportResponse(_ viewer: Viewer, _ client: ClientInfo) async throws -> Response {
        let export = rights.export
        let user = viewer.user
        try await rights.requests.recordSelfService(
            user: user, kind: .export, outcome: "Downloaded the ZIP from My Account", ip: client.ip)
        let extra = try await rights.requestTables(for: user)
        let name = "steward-data-\(UTCTime.format(WallClock.nowMillis()).prefix(10)).zip"
        return Response(
            status: .ok,
            headers: [
                .contentType: "application/zip", .cacheControl: "no-store",
                .contentDisposition: "attachment; filename=\"\(name)\"",
            ],
            body: ResponseBody { writer in
                let sink = BodySink(writer)
                try await export.recordDownload(by: user, credential: "session:\(viewer.session.id)", ip: client.ip)
                try await export.write(for: user.id, extraTables: extra) { bytes in try await sink.write(bytes) }
                try await sink.writer.finish(nil)
            })
    }

    func rightRequestPage(
        _ viewer: Viewer, kind: RequestKind, flash: Flash?, status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let restriction = kind == .restriction
        let purposes = privacy.purposes.filter { restriction || $0.legalBasis == .legitimateInterests || $0.legalBasis == .publicInterest }
        let mine = try await rights.requests.requests(of: viewer.user).filter { $0.kind == kind }
        return page(
            viewer, "right-request", title: restriction ? "Restrict processing" : "Object to processing",
            [
                "action": restriction ? "/account/privacy/restrict" : "/account/privacy/object",
                "intro": restriction
                    ? "You can ask us to restrict processing while accuracy is contested, while an objection is assessed, or when you need data kept for a legal claim (GDPR Art. 18). Restricted data is only stored until the request is decided."
                    : "You can object to processing based on our legitimate interests (GDPR Art. 21). We then stop unless we show compelling legitimate grounds, and tell you which. Purposes based on your consent you switch off yourself under Consents.",
                "purposes": purposes.map { ["name": $0.name, "basis": $0.legalBasis.title, "interest": $0.legitimateInterest ?? ""] },
                "requests": mine.map {
                    [
                        "received": UTCTime.format($0.receivedTime), "status": $0.status.rawValue,
                        "due": $0.effectiveDueTime.map { UTCTime.format($0) } ?? "", "outcome": $0.outcome ?? "",
                    ]
                },
            ], flash: flash, status: status)
    }

    func deletePage(_ viewer: Viewer, flash: Flash?, status: HTTPResponse.Status = .ok) async throws -> Response {
        let tenant = try await rights.store.soleTenant(of: viewer.user.id)
        let tenantName = try await tenant.asyncMap { try await accounts.tenant(id: $0)?.name } ?? nil
        let aggregated = privacy.retention.filter { $0.then == .aggregate }.map { privacy.category($0.category)?.name ?? $0.category }
        var data: [String: Any] = [
            "stays": rights.eraser.whatStays().map { ["what": $0.what, "why": $0.why] }, "aggregated": aggregated.joined(separator: ", "),
        ]
        // Only a workspace the person alone belongs to goes with them; a shared one stays (and loses their name).
        if let tenantName { data["tenant"] = tenantName }
        data["systemAdmin"] = viewer.user.authority == .systemAdmin
        return page(viewer, "delete-account", title: "Delete Account", data, flash: flash, status: status)
    }

    static func reportData(_ report: AccessReport) -> [String: Any] {
        func facts(_ facts: CategoryFacts) -> [String: Any] {
            [
                "key": facts.category.key, "name": facts.category.name, "sensitive": facts.category.sensitive,
                "purposes": facts.purposeText, "recipients": facts.recipientText, "retention": facts.retentionText,
            ]
        }
        let now = WallClock.nowMillis()
        return [
            "rowLimit": 50, "readingSource": PersonalDataCatalog.entry("telemetry")?.source ?? "your devices",
            "sections": report.sections.map { section -> [String: Any] in
                [
                    "name": section.name, "title": section.title, "description": section.description, "source": section.source,
                    "total": section.total, "categories": section.categories.map(facts),
                    "columns": ReadableRecords.columns(section.columns, section: section.name),
                    "hasRows": !section.rows.isEmpty,
                    "shown": section.total == 1 ? "record" : section.rows.count < section.total
                        ? "newest \(section.rows.count) of \(section.total) records" : "\(section.total) records",
                    "rows": section.rows.map {
                        ["cells": ReadableRecords.cells($0, columns: section.columns, section: section.name, now: now)]
                    },
                ]
            },
            "readings": report.readings.map { reading -> [String: Any] in
                [
                    "device": reading.device, "key": reading.key, "count": reading.count, "category": reading.category.category.name,
                    "sensitive": reading.category.category.sensitive, "purposes": reading.category.purposeText,
                    "recipients": reading.category.recipientText, "retention": reading.category.retentionText,
                ]
            },
        ]
    }

    static func receiptData(_ receipt: ErasureReceiptRecord, path: String) -> [String: Any] {
        let json = (try? JSONParser.parse(Array(receipt.body.utf8))) ?? .null
        func items(_ key: String) -> [[String: Any]] {
            guard case .array(let list)? = json[key] else { return [] }
            return list.map { item in
                var entry: [String: Any] = [:]
                for member in item.objectMembers ?? [] {
                    switch member.value {
                    case .string(let s): entry[member.key] = s
                    case .number(let n): entry[member.key] = n
                    default: break
                    }
                }
                return entry
            }
        }
        return ["receiptPath": path, "erased": items("erased"), "anonymized": items("anonymized"), "kept": items("kept")]
    }
}

/// Holds the response writer so the export, which streams through a closure, can write to it.
final class BodySink: @unchecked Sendable {
    var writer: any ResponseBodyWriter

    init(_ writer: any ResponseBodyWriter) { self.writer = writer }

    func write(_ bytes: [UInt8]) async throws {
        try await writer.write(ByteBuffer(bytes: bytes))
    }
}

extension Response {
    func withCookies(_ cookies: [String]) -> Response {
        var response = self
        for cookie in cookies { response.headers.append(HTTPField(name: .setCookie, value: cookie)) }
        return response
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
