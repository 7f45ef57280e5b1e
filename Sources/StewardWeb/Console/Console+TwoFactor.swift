import Foundation
import Hummingbird
import QRCode
import StewardAuth
import StewardCore
import StewardStore

/// Setting up TOTP (QR code and secret), codes by mail, recovery codes, and turning the factor off.
extension Console {
    func registerTwoFactorPages(on router: Router<StewardRequestContext>) {
        router.get("account/two-factor") { request, _ in
            try await signedIn(request) { viewer in
                let required = request.uri.queryParameters.get("required") != nil
                return try await twoFactorPage(
                    viewer, secret: TOTP.generateSecret().base32,
                    flash: required ? .error("Administrators must set up a second factor before going on.") : nil)
            }
        }
        router.post("account/two-factor/totp") { request, context in
            try await signedInForm(request) { viewer, form in
                let secret = form["secret"] ?? ""
                do {
                    let codes = try await signIn.twoFactor.enableTOTP(
                        viewer.user, secret: secret, code: form["code"] ?? "", credential: "session:\(viewer.session.id)",
                        from: client(request, context))
                    mailQueued()
                    return page(viewer, "recovery-codes", title: "Two-factor sign-in is on", ["codes": codes])
                } catch let error as StewardError {
                    return try await twoFactorPage(viewer, secret: secret, flash: .error(error.message), status: Self.status(of: error))
                }
            }
        }
        router.post("account/two-factor/email") { request, context in
            try await signedInForm(request) { viewer, _ in
                do {
                    let codes = try await signIn.twoFactor.enableEmailCodes(
                        viewer.user, credential: "session:\(viewer.session.id)", from: client(request, context))
                    mailQueued()
                    return page(viewer, "recovery-codes", title: "Two-factor sign-in is on", ["codes": codes])
                } catch let error as StewardError {
                    return try await twoFactorPage(
                        viewer, secret: TOTP.generateSecret().base32, flash: .error(error.message), status: Self.status(of: error))
                }
            }
        }
        router.post("account/two-factor/disable") { request, context in
            try await signedInForm(request) { viewer, form in
                do {
                    try await signIn.twoFactor.disable(
                        viewer.user, password: form["password"] ?? "", credential: "session:\(viewer.session.id)",
                        from: client(request, context))
                    mailQueued()
                    return try await twoFactorPage(viewer, secret: TOTP.generateSecret().base32, flash: .notice("Two-factor sign-in is off."))
                } catch let error as StewardError {
                    return try await twoFactorPage(
                        viewer, secret: TOTP.generateSecret().base32, flash: .error(error.message), status: Self.status(of: error))
                }
            }
        }
    }

    func twoFactorPage(
        _ viewer: Viewer, secret: String, flash: Flash?, status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let account = try await signIn.account(id: viewer.user.id) ?? viewer.account
        let uri = TOTP(base32: secret)?.provisioningURI(account: viewer.user.email, issuer: configuration.productName) ?? ""
        let svg = (try? QRCode(text: uri, errorCorrection: .medium))?.svg(moduleSize: 4, label: "QR code for your authenticator app") ?? ""
        let remaining = try await signIn.twoFactor.recoveryCodesLeft(of: viewer.user.id)
        return page(
            viewer, "two-factor", title: "Two-factor sign-in",
            [
                "enabled": account.details.secondFactor != nil,
                "factor": account.details.secondFactor == .totp ? "an authenticator app" : "codes by email",
                "remaining": remaining, "secret": secret, "qr": svg, "uri": uri,
            ], flash: flash, status: status)
    }
}
