import Foundation
import StewardCore
import StewardStore

/// Opening an account whose confirmation mail cannot reach its owner: a server without a mail server keeps that
/// mail in the outbox, so an administrator may confirm the account from the console, and the owner may ask for the
/// mail again once mail works. Both go through here, audited, with the same rules as the mailed link.
public struct AccountConfirmation: Sendable {
    public let store: any IdentityStore
    public let accounts: any AccountStore
    public let configuration: IdentityConfiguration
    let mail: AccountMail
    let now: @Sendable () -> Int64

    /// At most this many accounts on an administrator's users page (the system administrator's spans every tenant).
    public static let pageLimit = 500

    public init(
        store: any IdentityStore, accounts: any AccountStore, configuration: IdentityConfiguration,
        now: @escaping @Sendable () -> Int64 = WallClock.nowMillis
    ) {
        self.store = store
        self.accounts = accounts
        self.configuration = configuration
        self.mail = AccountMail(configuration: configuration)
        self.now = now
    }

    /// The accounts `actor` looks after, with their state (to show who waits for confirmation): every tenant's
    /// for the system administrator, their own tenant's for a tenant administrator, oldest first, at most
    /// `pageLimit`. Customer users look after nobody.
    public func accounts(for actor: User) async throws -> [AccountRecord] {
        let tenants: [TenantID]
        switch actor.authority {
        case .systemAdmin: tenants = try await accounts.tenants().map(\.id)
        case .tenantAdmin: tenants = actor.tenantID.map { [$0] } ?? []
        case .customerUser: throw StewardError.forbidden("Only administrators see the users of a tenant")
        }
        var found: [AccountRecord] = []
        for tenant in tenants where found.count < Self.pageLimit {
            for user in try await accounts.users(tenant: tenant) where found.count < Self.pageLimit {
                if let record = try await store.account(id: user.id) { found.append(record) }
            }
        }
        return found
    }

    /// An administrator confirms the email address of an account waiting for it, as its link would: the account
    /// opens (or, below the age of digital consent, waits for a parent's consent as before). The system administrator
    /// may confirm any account, a tenant administrator those of their tenant; anyone else's, or an unknown id, is
    /// "not found". Recorded in the audit trail as `account.confirmed-by-admin`.
    public func confirm(_ id: UserID, by actor: User, credential: String, ip: String) async throws -> AccountRecord {
        guard actor.authority != .customerUser, let record = try await store.account(id: id),
            actor.authority == .systemAdmin || (record.user.tenantID != nil && record.user.tenantID == actor.tenantID)
        else { throw StewardError.notFound("No such account among the ones you administer") }
        guard record.details.status == .awaitingEmail else {
            throw StewardError.conflict("\(record.user.email) is not waiting for confirmation; nothing was changed")
        }
        let time = now()
        let waitsForParent = record.details.ageBasis == AgeBasis.parentPending
        try await store.apply([
            .markEmailVerified(id, at: time),
            .setStatus(id, waitsForParent ? .awaitingParent : .active),
            .audit(
                AuditEvent(
                    time: time, tenantID: record.user.tenantID, actorID: actor.id, credential: credential, subjectID: id,
                    event: "account.confirmed-by-admin", detail: "email address confirmed by an administrator", ip: ip)),
        ])
        return try await store.account(id: id) ?? record
    }

    /// "Send again": a new confirmation link for an account still waiting for one, through the outbox (the earlier
    /// link keeps working until it expires). The caller answers the same whatever happened here, so nobody learns
    /// whether an address has an account: an unknown address, an open account and a request over the mail allowance
    /// (per address and per client, as every public form's mail) all change nothing.
    public func sendAgain(email: String, client: ClientInfo) async throws {
        guard let address = try? FieldRules.email(email) else { return }
        let record = try await store.account(email: address)
        let time = now()
        var mailing: [IdentityChange] = []
        if let record, record.details.status == .awaitingEmail {
            let token = Secrets.token()
            mailing = [
                .issueToken(
                    OneTimeToken(
                        hash: Secrets.sha256Hex(token), userID: record.user.id, purpose: .confirmEmail, createdTime: time,
                        expiresTime: time + configuration.confirmationLinkLifetime)),
                .enqueueMail(mail.confirmEmail(to: address, name: record.user.firstName ?? address, token: token)),
            ]
        }
        // One transaction either way, counted against the same allowance, so neither the time taken nor when the
        // allowance runs out tells an address with a waiting account from any other.
        try await store.apply([
            .withinMailAllowance(configuration.mailAllowance("sign-up-again", to: address, from: client, at: time), then: mailing)
        ])
    }
}
