import Foundation
import StewardCore
import StewardStore

/// A session just opened (or half-opened, waiting for the second factor).
public struct SessionGrant: Sendable {
    public var session: Session
    /// The cookie value for a web session; only its hash is stored.
    public var secret: String?
    public var user: User
    /// For an API session, the id (`jti`) of its first refresh token; only its hash is stored.
    public var refreshID: String?
}

public enum SignInStep: Sendable {
    case complete(SessionGrant)
    /// Password accepted; the session opens nothing until `verifySecondFactor` succeeds.
    case secondFactor(SessionGrant, SecondFactor)
}

/// Sign-in with email and password, the second factor, sign-out, password change and "I lost my credentials".
/// Every attempt is recorded; repeated failures slow down, then lock the account (and block the address); a
/// success from a new network or client is flagged and mailed to the owner.
public struct SignInService: Sendable {
    public let store: any IdentityStore
    public let hasher: PasswordHasher
    public let configuration: IdentityConfiguration
    public let twoFactor: TwoFactorService
    let mail: AccountMail
    let now: @Sendable () -> Int64
    let pause: @Sendable (Int) async -> Void

    public init(
        store: any IdentityStore, hasher: PasswordHasher, configuration: IdentityConfiguration,
        now: @escaping @Sendable () -> Int64 = WallClock.nowMillis,
        pause: @escaping @Sendable (Int) async -> Void = { seconds in try? await Task.sleep(for: .seconds(seconds)) }
    ) {
        self.store = store
        self.hasher = hasher
        self.configuration = configuration
        self.twoFactor = TwoFactorService(store: store, hasher: hasher, configuration: configuration, now: now)
        self.mail = AccountMail(configuration: configuration)
        self.now = now
        self.pause = pause
    }

    /// The one answer to a wrong password, an unknown address and an unconfirmed account: whoever signed up with
    /// someone else's address knows the password they chose, so "confirm your email" must not be a separate answer.
    static let invalidCredentials = StewardError.unauthorized(
        "Invalid username or password. Just signed up? Confirm your email first: open the link we mailed you")

    /// Every answer here is the same for an address with an account and one without, in content and in work: the
    /// unknown address is checked against a decoy hash at the configured cost, counts its failures by the address's
    /// hash and is locked after as many as an account would be, with the same message.
    public func signIn(email rawEmail: String, password: String, kind: Session.Kind, from client: ClientInfo) async throws -> SignInStep {
        let email = rawEmail.trimmingCharacters(in: .whitespaces).lowercased()
        let time = now()
        let since = time - configuration.failureWindow
        // Counted per client (an IPv4 address, an IPv6 /64), so changing the low bits of an address buys no guesses.
        if try await store.failedSignIns(clientKey: client.rateLimitKey, since: since) >= configuration.blockAddressAfterFailures {
            try await record(email, nil, client, .throttled)
            throw StewardError(
                .unauthorized,
                "Too many failed sign-ins from your network. Try again in \(configuration.failureWindow / 60_000) minutes")
        }
        let failures = try await store.failedSignIns(email: email, since: since)
        if failures >= configuration.slowDownAfterFailures {
            await pause(min(failures - configuration.slowDownAfterFailures + 1, 5))
        }
        let account = try await store.account(email: email)
        let addressLock = try await store.addressLockedUntil(email: email, at: time)
        if let until = account != nil ? account?.details.lockedUntil : addressLock, until > time {
            try await record(email, account?.user.id, client, .locked)
            throw StewardError(.unauthorized, Self.lockedMessage(until: until))
        }
        guard let account else {
            await hasher.verifyDecoy(password)
            try await failedUnknown(email, client, failuresBefore: failures)
            throw Self.invalidCredentials
        }
        guard await hasher.verify(password, hash: account.passwordHash) else {
            try await failed(account, client, .wrongPassword, failuresBefore: failures)
            throw Self.invalidCredentials
        }
        try await requireOpen(account, client, failuresBefore: failures)
        let rehash = await strengthenedHash(account, password: password)
        if let factor = account.details.secondFactor {
            guard kind == .web else {
                try await record(email, account.user.id, client, .awaitingFactor)
                throw StewardError.unauthorized(
                    "Two-factor sign-in is on for this account: programs use an application key (X-Authorization: ApiKey …) from My Account")
            }
            let grant = newSession(account.user, kind: kind, stage: .secondFactor, client: client, time: time)
            var changes: [IdentityChange] = [
                .createSession(grant.session),
                .recordSignIn(SignInRecord(time: time, email: email, userID: account.user.id, from: client, outcome: .awaitingFactor)),
            ] + rehash
            if factor == .email { changes += twoFactor.signInCodeChanges(for: account.user) }
            try await store.apply(changes)
            return .secondFactor(grant, factor)
        }
        return .complete(try await complete(account, kind: kind, client: client, session: nil, also: rehash))
    }

    /// The password re-hashed at the configured cost when the stored hash was made at a lower one (an older
    /// `STEWARD_BCRYPT_COST`), so that account's wrong-password answers come to cost what the decoy's do. Only after
    /// the password was verified; written with the sign-in.
    func strengthenedHash(_ account: AccountRecord, password: String) async -> [IdentityChange] {
        guard let stored = PasswordHasher.cost(of: account.passwordHash), stored < hasher.cost else { return [] }
        return [.setPasswordHash(account.user.id, await hasher.hash(password))]
    }

    /// Checks the second factor of a half-open session and, if right, opens it with a new secret.
    public func verifySecondFactor(sessionID: String, code: String, from client: ClientInfo) async throws -> SessionGrant {
        let time = now()
        guard let session = try await store.session(id: sessionID), session.stage == .secondFactor, session.isLive(at: time),
            time - session.createdTime <= configuration.factorStageLifetime,
            let account = try await store.account(id: session.userID)
        else { throw StewardError.unauthorized("The sign-in expired; sign in again") }
        if let until = account.details.lockedUntil, until > time {
            throw StewardError(.unauthorized, Self.lockedMessage(until: until))
        }
        let failures = try await store.failedSignIns(email: account.user.email, since: time - configuration.failureWindow)
        let proof: [IdentityChange]
        do {
            proof = try await twoFactor.verification(of: code, for: account)
            try await store.apply(proof)  // spends the code even if opening the session fails later
        } catch let error as StewardError where error.kind == .unauthorized || error.kind == .conflict {
            try await failed(account, client, .wrongFactor, failuresBefore: failures)
            throw StewardError.unauthorized("That code is not right, or was already used. Try the current code")
        }
        return try await complete(account, kind: session.kind, client: client, session: session)
    }

    /// Records the success, flags a new place, and opens the session (a fresh one, or the half-open one promoted
    /// with a new secret so a cookie seen before sign-in is never the signed-in one).
    func complete(
        _ account: AccountRecord, kind: Session.Kind, client: ClientInfo, session: Session?, also: [IdentityChange] = []
    ) async throws -> SessionGrant {
        let time = now()
        let places = try await store.signInPlaces(of: account.user.id, limit: 50)
        let isNew = !places.isEmpty
            && !places.contains { ClientInfo(ip: $0.ip, client: $0.client).network == client.network && $0.client == client.client }
        var grant = newSession(account.user, kind: kind, stage: .complete, client: client, time: time)
        var changes: [IdentityChange]
        if let session {
            grant.session.id = session.id
            changes = [.promoteSession(id: session.id, newSecretHash: grant.session.secretHash, csrfSecret: grant.session.csrfSecret)]
        } else {
            changes = [.createSession(grant.session)]
        }
        changes += [
            .recordSignIn(
                SignInRecord(time: time, email: account.user.email, userID: account.user.id, from: client, outcome: .success, newPlace: isNew)),
            .audit(event("sign-in.success", account.user, client, detail: isNew ? "new network or client" : "", credential: "session:\(grant.session.id)")),
        ]
        if account.details.lockedUntil != nil { changes.append(.lockAccount(account.user.id, until: nil)) }
        changes += also
        if isNew {
            changes.append(
                .enqueueMail(mail.newSignIn(to: account.user.email, ip: client.ip, client: client.client, time: Self.format(time))))
        }
        try await store.apply(changes)
        return grant
    }

    func requireOpen(_ account: AccountRecord, _ client: ClientInfo, failuresBefore: Int) async throws {
        let message: String
        switch account.details.status {
        case .active: return
        case .awaitingEmail:
            try await failed(account, client, .notConfirmed, failuresBefore: failuresBefore)
            throw Self.invalidCredentials
        case .awaitingParent:
            message = "This account opens once a parent confirms it from the mail we sent them"
        case .disabled:
            message = "This account is switched off by an administrator"
        case .deactivated:
            message = "This account is deactivated. To reactivate it, use “Forgot your password?” and follow the mailed link"
        }
        try await record(account.user.email, account.user.id, client, .closed)
        throw StewardError.unauthorized(message)
    }

    func failed(_ account: AccountRecord, _ client: ClientInfo, _ outcome: SignInRecord.Outcome, failuresBefore: Int) async throws {
        let time = now()
        var changes: [IdentityChange] = [
            .recordSignIn(
                SignInRecord(time: time, email: account.user.email, userID: account.user.id, from: client, outcome: outcome)),
            .audit(event("sign-in.failure", account.user, client, detail: outcome.rawValue, credential: nil)),
        ]
        if failuresBefore + 1 >= configuration.lockAfterFailures {
            let until = time + configuration.lockDuration
            changes += [
                .lockAccount(account.user.id, until: until),
                .audit(event("sign-in.locked", account.user, client, detail: "until \(Self.format(until))", credential: nil)),
            ]
            // No mail to an address nobody has confirmed: it may belong to someone who never signed up.
            if account.details.status != .awaitingEmail {
                changes.append(.enqueueMail(mail.accountLocked(to: account.user.email, minutes: configuration.lockDuration / 60_000, ip: client.ip)))
            }
        }
        try await store.apply(changes)
    }

    /// A failure for an address with no account: recorded under the address's hash like any other, audited as an
    /// account's failure is (so both write the same rows: the time taken tells nothing), and locking it after as many
    /// failures as would lock an account. The audit entries name no person and keep no address.
    func failedUnknown(_ email: String, _ client: ClientInfo, failuresBefore: Int) async throws {
        let time = now()
        var changes: [IdentityChange] = [
            .recordSignIn(SignInRecord(time: time, email: email, userID: nil, from: client, outcome: .unknownAccount)),
            .audit(anonymousEvent("sign-in.failure", client, detail: SignInRecord.Outcome.unknownAccount.rawValue)),
        ]
        if failuresBefore + 1 >= configuration.lockAfterFailures {
            let until = time + configuration.lockDuration
            changes += [
                .lockAddress(email: email, until: until, at: time),
                .audit(anonymousEvent("sign-in.locked", client, detail: "until \(Self.format(until))")),
            ]
        }
        try await store.apply(changes)
    }

    func record(_ email: String, _ user: UserID?, _ client: ClientInfo, _ outcome: SignInRecord.Outcome) async throws {
        try await store.apply([
            .recordSignIn(SignInRecord(time: now(), email: email, userID: user, from: client, outcome: outcome))
        ])
    }

    func newSession(_ user: User, kind: Session.Kind, stage: Session.Stage, client: ClientInfo, time: Int64) -> SessionGrant {
        let secret = kind == .web ? Secrets.token() : nil
        let refreshID = kind == .api ? UUID().uuidString.lowercased() : nil
        let lifetime = stage == .secondFactor ? configuration.factorStageLifetime : configuration.webSessionLifetime
        let session = Session(
            id: UUID().uuidString.lowercased(), secretHash: secret.map(Secrets.sha256Hex), userID: user.id, kind: kind, stage: stage,
            csrfSecret: Secrets.token(), createdTime: time, lastSeenTime: time, expiresTime: time + lifetime, ip: client.ip,
            client: client.client, refreshHash: refreshID.map(Secrets.sha256Hex))
        return SessionGrant(session: session, secret: secret, user: user, refreshID: refreshID)
    }

    func event(_ name: String, _ user: User, _ client: ClientInfo, detail: String, credential: String?) -> AuditEvent {
        AuditEvent(
            time: now(), tenantID: user.tenantID, actorID: user.id, credential: credential, subjectID: user.id, event: name,
            detail: detail, ip: client.ip)
    }

    func anonymousEvent(_ name: String, _ client: ClientInfo, detail: String) -> AuditEvent {
        AuditEvent(time: now(), tenantID: nil, actorID: nil, credential: nil, subjectID: nil, event: name, detail: detail, ip: client.ip)
    }

    static func lockedMessage(until: Int64) -> String {
        "This account is locked after repeated failed sign-ins until \(format(until)). Wait, or reset your password"
    }

    static func format(_ millis: Int64) -> String { UTCTime.format(millis) }
}

extension SignInRecord {
    /// A record of an attempt from `client`, counted for the per-network block by its `rateLimitKey`.
    init(time: Int64, email: String, userID: UserID?, from client: ClientInfo, outcome: Outcome, newPlace: Bool = false) {
        self.init(
            time: time, email: email, userID: userID, ip: client.ip, clientKey: client.rateLimitKey, client: client.client,
            outcome: outcome, newPlace: newPlace)
    }
}
