import Foundation
import StewardCore
import StewardStore

/// What the welcome page shows an invited person before they accept.
public struct Invitation: Sendable {
    public var user: User
    /// The workspace (tenant) and customer whose devices they will see.
    public var workspace: String
    public var customer: String
}

/// Inviting a customer user: a tenant administrator names an address, Steward creates the account without a usable
/// password and mails an invitation (who invited, to which workspace and customer, valid for
/// `invitationLinkLifetime`). The invited person opens the welcome page, reads the privacy policy, chooses a
/// password and agrees; that one transaction spends the link, confirms the address (the link proved it), records
/// the agreement as sign-up does, and signs them in. The mailed token is the same one-time machinery as reset and
/// confirmation links (`OneTimeLinks`, only the hash stored), with its own purpose, so it neither looks like nor
/// uses up a password reset.
public struct InvitationService: Sendable {
    public let store: any IdentityStore
    public let accounts: AccountService
    public let signIn: SignInService
    public let configuration: IdentityConfiguration
    public var passwordPolicy = PasswordPolicy()
    let mail: AccountMail
    let now: @Sendable () -> Int64

    public init(
        store: any IdentityStore, accounts: AccountService, signIn: SignInService, configuration: IdentityConfiguration,
        now: @escaping @Sendable () -> Int64 = WallClock.nowMillis
    ) {
        self.store = store
        self.accounts = accounts
        self.signIn = signIn
        self.configuration = configuration
        self.mail = AccountMail(configuration: configuration)
        self.now = now
    }

    /// Creates the customer user and mails the invitation, audited as `user.invited` by `inviter`. Not counted
    /// against the public forms' account-mail allowance: only a signed-in administrator can invite, every invitation
    /// creates a new account (one mail per address) and is audited, and an invitation never spends the address's
    /// reset allowance.
    public func invite(
        tenant: TenantID, customer customerID: CustomerID, email: String, by inviter: User, credential: String?,
        from client: ClientInfo
    ) async throws -> User {
        let customer = try await accounts.requireCustomer(tenant: tenant, id: customerID)
        let workspace = try await accounts.tenant(id: tenant)?.name ?? "your workspace"
        let user = try await accounts.inviteCustomerUser(tenant: tenant, customer: customer.id, email: email)
        let token = Secrets.token()
        let time = now()
        let inviterName = inviter.firstName.map { "\($0) (\(inviter.email))" } ?? inviter.email
        try await store.apply([
            .issueToken(
                OneTimeToken(
                    hash: Secrets.sha256Hex(token), userID: user.id, purpose: .invitation, createdTime: time,
                    expiresTime: time + configuration.invitationLinkLifetime)),
            .enqueueMail(mail.invitation(to: user.email, inviter: inviterName, workspace: workspace, customer: customer.name, token: token)),
            .audit(
                AuditEvent(
                    time: time, tenantID: tenant, actorID: inviter.id, credential: credential, subjectID: user.id,
                    event: "user.invited", detail: "customer user of \(customer.name)", ip: client.ip)),
        ])
        return user
    }

    /// Checks an invitation link before the welcome page is shown, with the names the page shows.
    public func check(token: String) async throws -> Invitation {
        let user = try await OneTimeLinks.valid(token, purpose: .invitation, store: store, now: now()).0.user
        return try await describe(user)
    }

    func describe(_ user: User) async throws -> Invitation {
        var workspace: String?
        var customer: String?
        if let tenant = user.tenantID {
            workspace = try await accounts.tenant(id: tenant)?.name
            if let id = user.customerID { customer = try await accounts.customer(tenant: tenant, id: id)?.name }
        }
        return Invitation(user: user, workspace: workspace ?? "", customer: customer ?? workspace ?? "")
    }

    /// Accepts an invitation: checks the password and the agreement to the current policy version (the same rules
    /// as sign-up), then in one transaction spends the link, sets the password, confirms the address, records the
    /// agreement (method "invitation") and opens a web session.
    public func accept(
        token: String, password: String, agreedToPolicyVersion: String?, from client: ClientInfo
    ) async throws -> SessionGrant {
        let (account, hash) = try await OneTimeLinks.valid(token, purpose: .invitation, store: store, now: now())
        try passwordPolicy.check(password, email: account.user.email)
        guard agreedToPolicyVersion == configuration.policyVersion else {
            throw StewardError.badRequest("Please read the privacy policy and tick the box to agree to it")
        }
        let time = now()
        var changes: [IdentityChange] = [
            .consumeToken(hash: hash, purpose: .invitation, at: time),
            .setPasswordHash(account.user.id, await signIn.hasher.hash(password)),
            .recordAgreement(
                PolicyAgreement(
                    userID: account.user.id, policyVersion: configuration.policyVersion, time: time, method: "invitation",
                    ip: client.ip, client: client.client)),
            .audit(
                AuditEvent(
                    time: time, tenantID: account.user.tenantID, actorID: account.user.id, credential: "invitation-link",
                    subjectID: account.user.id, event: "invitation.accepted", ip: client.ip)),
        ]
        if account.details.emailVerifiedTime == nil { changes.append(.markEmailVerified(account.user.id, at: time)) }
        return try await signIn.complete(account, kind: .web, client: client, session: nil, also: changes)
    }
}
