import Foundation
import Hummingbird
import StewardAuth
import StewardCore
import StewardStore

/// Sign-in, the second factor, sign-out and password reset.
extension Console {
    func registerSignInPages(on router: Router<StewardRequestContext>) {
        router.get("sign-in") { request, _ in
            if try await viewer(request) != nil { return redirect("/") }
            return publicPage(request, "sign-in", title: "Sign in")
        }
        router.post("sign-in") { request, context in
            let form = try await FormBody.read(request)
            do {
                try checkAnonymousCSRF(request, form)
                let step = try await signIn.signIn(
                    email: form["email"] ?? "", password: form["password"] ?? "", kind: .web, from: client(request, context))
                mailQueued()
                switch step {
                case .complete(let grant):
                    await adoptBannerChoice(request, user: grant.user.id, client: client(request, context))
                    return redirect("/", cookies: [sessionCookie(grant)])
                case .secondFactor(let grant, _):
                    return redirect("/sign-in/factor", cookies: [sessionCookie(grant, lifetime: configuration.factorStageLifetime)])
                }
            } catch let error as StewardError {
                mailQueued()
                return publicPage(
                    request, "sign-in", title: "Sign in", ["email": form["email"] ?? ""], flash: .error(error.message),
                    status: Self.status(of: error))
            }
        }
        router.get("sign-in/factor") { request, _ in
            guard let (_, account) = try await halfOpenSession(request) else { return redirect("/sign-in") }
            return publicPage(
                request, "factor", title: "Second step",
                ["byEmail": account?.details.secondFactor == .email, "byApp": account?.details.secondFactor == .totp])
        }
        router.post("sign-in/factor") { request, context in
            let form = try await FormBody.read(request)
            guard let (session, account) = try await halfOpenSession(request) else { return redirect("/sign-in") }
            do {
                try checkAnonymousCSRF(request, form)
                let grant = try await signIn.verifySecondFactor(
                    sessionID: session.id, code: form["code"] ?? "", from: client(request, context))
                mailQueued()
                await adoptBannerChoice(request, user: grant.user.id, client: client(request, context))
                return redirect("/", cookies: [sessionCookie(grant)])
            } catch let error as StewardError {
                mailQueued()
                return publicPage(
                    request, "factor", title: "Second step",
                    ["byEmail": account?.details.secondFactor == .email, "byApp": account?.details.secondFactor == .totp],
                    flash: .error(error.message), status: Self.status(of: error))
            }
        }
        router.post("sign-in/factor/resend") { request, _ in
            let form = try await FormBody.read(request)
            guard let (session, account) = try await halfOpenSession(request) else { return redirect("/sign-in") }
            do {
                try checkAnonymousCSRF(request, form)
                try await signIn.twoFactor.resendSignInCode(sessionID: session.id)
                mailQueued()
                return publicPage(request, "factor", title: "Second step", ["byEmail": true], flash: .notice("We mailed you a new code."))
            } catch let error as StewardError {
                return errorPage(request, viewer: nil, error)
            }
        }
        router.post("sign-out") { request, _ in
            let form = try await FormBody.read(request)
            if let viewer = try await viewer(request) {
                guard (try? checkCSRF(viewer, form)) != nil else { return errorPage(request, viewer: viewer, Self.csrfFailure) }
                try await signIn.signOut(sessionID: viewer.session.id, user: viewer.user.id)
            }
            return redirect("/sign-in", cookies: [cookies.clear(ConsoleCookies.session)])
        }
        registerPasswordResetPages(on: router)
    }

    func registerPasswordResetPages(on router: Router<StewardRequestContext>) {
        router.get("forgot-password") { request, _ in
            publicPage(request, "forgot-password", title: "Forgot your password?")
        }
        router.post("forgot-password") { request, context in
            let form = try await FormBody.read(request)
            do {
                try checkAnonymousCSRF(request, form)
                try await resets.requestReset(email: form["email"] ?? "", from: client(request, context))
                mailQueued()
                // The same page whether or not the address has an account.
                return publicPage(request, "reset-sent", title: "Check your email")
            } catch let error as StewardError {
                return publicPage(request, "forgot-password", title: "Forgot your password?", flash: .error(error.message), status: Self.status(of: error))
            }
        }
        router.get("reset-password") { request, _ in
            let token = request.uri.queryParameters.get("token") ?? ""
            do {
                let keys = try await resets.activeKeyCount(token: token)
                return publicPage(request, "reset-password", title: "Choose a new password", resetData(token, keys: keys))
            } catch let error as StewardError {
                return errorPage(request, viewer: nil, error)
            }
        }
        router.post("reset-password") { request, context in
            let form = try await FormBody.read(request)
            let token = form["token"] ?? ""
            do {
                try checkAnonymousCSRF(request, form)
                _ = try await resets.reset(
                    token: token, newPassword: form["password"] ?? "", revokeKeys: Self.revokeKeys(form.fields),
                    from: client(request, context))
                mailQueued()
                return publicPage(
                    request, "message", title: "Password changed",
                    ["message": "Your password is changed and every session was signed out. Sign in with the new password."],
                    flash: .notice("Password changed."))
            } catch let error as StewardError where error.kind == .badRequest {
                let keys = (try? await resets.activeKeyCount(token: token)) ?? 0
                return publicPage(
                    request, "reset-password", title: "Choose a new password", resetData(token, keys: keys),
                    flash: .error(error.message), status: .badRequest)
            } catch let error as StewardError {
                return errorPage(request, viewer: nil, error)
            }
        }
    }

    /// The password forms' "also revoke my application keys" box. Keys are revoked unless the form offered the box
    /// (`keys_offered`) and it came back unticked, so a key made after the page was shown is revoked too.
    static func revokeKeys(_ fields: [String: String]) -> Bool {
        fields["keys_offered"] == nil || fields["revoke_keys"] != nil
    }

    /// What the reset and password-change forms need to offer revoking the person's `keys` application keys.
    static func keyChoice(_ keys: Int) -> [String: Any] {
        ["hasKeys": keys > 0, "keyCount": keys, "keyLabel": keys == 1 ? "my application key" : "my \(keys) application keys"]
    }

    func resetData(_ token: String, keys: Int) -> [String: Any] {
        Self.keyChoice(keys).merging(["token": token]) { _, new in new }
    }

    func sessionCookie(_ grant: SessionGrant, lifetime: Int64? = nil) -> String {
        cookies.setCookie(
            ConsoleCookies.session, grant.secret ?? "", maxAge: Int((lifetime ?? configuration.webSessionLifetime) / 1000))
    }

    /// The session of a visitor between password and second factor, with the account it signs in to.
    func halfOpenSession(_ request: Request) async throws -> (session: Session, account: AccountRecord?)? {
        guard let secret = ConsoleCookies.value(ConsoleCookies.session, in: request) else { return nil }
        return try await signIn.secondFactorSession(secret: secret)
    }
}
