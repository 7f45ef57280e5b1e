import Foundation
import StewardCore
import StewardStore

/// Setting up and checking the second factor: an authenticator app (TOTP), or a code mailed to the verified
/// address; either comes with ten single-use recovery codes.
public struct TwoFactorService: Sendable {
    public let store: any IdentityStore
    public let hasher: PasswordHasher
    public let configuration: IdentityConfiguration
    let mail: AccountMail
    let now: @Sendable () -> Int64
    public static let recoveryCodeCount = 10

    public init(store: any IdentityStore, hasher: PasswordHasher, configuration: IdentityConfiguration, now: @escaping @Sendable () -> Int64) {
        self.store = store
        self.hasher = hasher
        self.configuration = configuration
        self.mail = AccountMail(configuration: configuration)
        self.now = now
    }

    /// Turns on TOTP once the person proves their app produces the right code for `secret`. Returns the recovery
    /// codes, shown once.
    /// How many of the person's recovery codes are still unused.
    public func recoveryCodesLeft(of user: UserID) async throws -> Int {
        try await store.unusedRecoveryCodeCount(of: user)
    }

    public func enableTOTP(_ user: User, secret: String, code: String, credential: String, from client: ClientInfo) async throws -> [String] {
        guard let totp = TOTP(base32: secret), totp.secret.count >= 16 else {
            throw StewardError.badRequest("The set-up secret is damaged; start the set-up again")
        }
        guard let step = totp.matchingStep(Self.digits(code), at: now()) else {
            throw StewardError.badRequest("That code does not match. Check the time on your phone and enter the current code")
        }
        return try await enable(user, .totp, secret: totp.base32, extra: [.acceptTOTPStep(user.id, step: step)], credential: credential, client: client)
    }

    /// Turns on codes by mail, to the address already verified at sign-up.
    public func enableEmailCodes(_ user: User, credential: String, from client: ClientInfo) async throws -> [String] {
        guard let account = try await store.account(id: user.id), account.details.emailVerifiedTime != nil || account.details.ageBasis == nil else {
            throw StewardError.badRequest("Confirm your email address first")
        }
        return try await enable(user, .email, secret: nil, extra: [], credential: credential, client: client)
    }

    func enable(
        _ user: User, _ factor: SecondFactor, secret: String?, extra: [IdentityChange], credential: String, client: ClientInfo
    ) async throws -> [String] {
        let codes = (0..<Self.recoveryCodeCount).map { _ in Self.newRecoveryCode() }
        let time = now()
        try await store.apply(
            [.setSecondFactor(user.id, factor, totpSecret: secret)] + extra + [
                .replaceRecoveryCodes(user.id, hashes: codes.map { Self.recoveryHash(user.id, $0) }),
                .enqueueMail(mail.securityChange(to: user.email, what: "Two-factor sign-in (\(factor == .totp ? "authenticator app" : "codes by email")) was turned on.")),
                .audit(
                    AuditEvent(
                        time: time, tenantID: user.tenantID, actorID: user.id, credential: credential, subjectID: user.id,
                        event: "second-factor.enabled", detail: factor.rawValue, ip: client.ip)),
            ])
        return codes
    }

    /// Turns the second factor off; the password is asked again.
    public func disable(_ user: User, password: String, credential: String, from client: ClientInfo) async throws {
        guard let account = try await store.account(id: user.id), await hasher.verify(password, hash: account.passwordHash) else {
            throw StewardError.badRequest("The password is not right")
        }
        if configuration.requireAdminSecondFactor && user.authority != .customerUser {
            throw StewardError.forbidden("Administrators must keep a second factor on this server")
        }
        try await store.apply([
            .setSecondFactor(user.id, nil, totpSecret: nil),
            .replaceRecoveryCodes(user.id, hashes: []),
            .enqueueMail(mail.securityChange(to: user.email, what: "Two-factor sign-in was turned off.")),
            .audit(
                AuditEvent(
                    time: now(), tenantID: user.tenantID, actorID: user.id, credential: credential, subjectID: user.id,
                    event: "second-factor.disabled", ip: client.ip)),
        ])
    }

    /// The changes that spend `code` as proof of the second factor: a TOTP step, a mailed code or a recovery
    /// code. Throws `unauthorized` when it proves nothing.
    func verification(of code: String, for account: AccountRecord) async throws -> [IdentityChange] {
        let user = account.user.id
        let trimmed = code.trimmingCharacters(in: .whitespaces).lowercased()
        if trimmed.contains("-") {
            return [.useRecoveryCode(user, hash: Self.recoveryHash(user, trimmed), at: now())]
        }
        let digits = Self.digits(code)
        switch account.details.secondFactor {
        case .totp:
            guard let secret = account.details.totpSecret, let totp = TOTP(base32: secret),
                let step = totp.matchingStep(digits, at: now())
            else { throw StewardError.unauthorized("Wrong code") }
            return [.acceptTOTPStep(user, step: step)]
        case .email:
            let hash = Self.codeHash(user, digits)
            guard let token = try await store.token(hash: hash), token.purpose == .signInCode else {
                throw StewardError.unauthorized("Wrong code")
            }
            return [.consumeToken(hash: hash, purpose: .signInCode, at: now())]
        case nil:
            throw StewardError.unauthorized("No second factor is set up")
        }
    }

    /// A fresh mailed sign-in code, voiding earlier ones.
    func signInCodeChanges(for user: User) -> [IdentityChange] {
        let code = Secrets.numericCode()
        let time = now()
        return [
            .voidTokens(user.id, purpose: .signInCode, at: time),
            .issueToken(
                OneTimeToken(
                    hash: Self.codeHash(user.id, code), userID: user.id, purpose: .signInCode, createdTime: time,
                    expiresTime: time + configuration.signInCodeLifetime)),
            .enqueueMail(mail.signInCode(to: user.email, code: code)),
        ]
    }

    /// Mails a new code during a half-open sign-in.
    public func resendSignInCode(sessionID: String) async throws {
        guard let session = try await store.session(id: sessionID), session.stage == .secondFactor, session.isLive(at: now()),
            let account = try await store.account(id: session.userID), account.details.secondFactor == .email
        else { throw StewardError.unauthorized("The sign-in expired; sign in again") }
        try await store.apply(signInCodeChanges(for: account.user))
    }

    static func digits(_ code: String) -> String { code.filter(\.isNumber) }

    /// Six-digit codes are few, so the user id goes into the hash: codes of different people never collide.
    static func codeHash(_ user: UserID, _ code: String) -> String { Secrets.sha256Hex("sign-in-code:\(user):\(code)") }

    static func recoveryHash(_ user: UserID, _ code: String) -> String { Secrets.sha256Hex("recovery:\(user):\(code.lowercased())") }

    /// `xxxxx-xxxxx` from an alphabet without look-alike characters.
    static func newRecoveryCode() -> String {
        let alphabet = Array("abcdefghjkmnpqrstuvwxyz23456789")
        var generator = SystemRandomNumberGenerator()
        let characters = (0..<10).map { _ in alphabet[Int(generator.next(upperBound: UInt64(alphabet.count)))] }
        return String(characters[0..<5]) + "-" + String(characters[5..<10])
    }
}
