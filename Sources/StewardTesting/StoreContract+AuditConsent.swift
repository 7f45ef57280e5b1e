import Foundation
import StewardCore
import StewardStore
import Testing

/// The contract of `IdentityStore`, part three: the audit trail, consents, policy agreements and versions,
/// announcements, who holds an account, and the sweep of accounts that never opened.
extension StoreContract {
    // MARK: - Audit

    /// Audit entries appended through `apply` are listed newest first, each linked to the one before it, filtered by
    /// tenant, subject and event and cut at `limit`; the chain verifies as intact with its number of entries (an empty
    /// trail too).
    public static func auditEntriesAreChainedAndFiltered(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            #expect(try await s.identity.verifyAuditChain() == .intact(entries: 0))
            #expect(try await s.identity.auditEntries(tenant: nil, subject: nil, event: nil, limit: 10).isEmpty)
            let alice = try await account(s, email: "alice@example.com")
            let bob = try await account(s, email: "bob@example.com")
            let events = [
                AuditEvent(
                    time: 1_001, tenantID: alice.tenantID, actorID: alice.id, credential: "session:s1", subjectID: alice.id,
                    event: "sign-in.success", detail: "from Firefox", ip: "198.51.100.7"),
                AuditEvent(time: 1_002, tenantID: bob.tenantID, actorID: bob.id, credential: "cli", subjectID: bob.id, event: "password.changed"),
                AuditEvent(time: 1_003, tenantID: nil, actorID: nil, credential: nil, subjectID: nil, event: "sign-in.failure", detail: "unknown"),
                AuditEvent(
                    time: 1_004, tenantID: alice.tenantID, actorID: bob.id, credential: "api-key:k1", subjectID: alice.id,
                    event: "personal-data.read"),
                AuditEvent(time: 1_005, tenantID: alice.tenantID, actorID: alice.id, credential: nil, subjectID: nil, event: "sign-in.success"),
            ]
            // One entry per call and several in one call.
            try await s.identity.apply([.audit(events[0])])
            try await s.identity.apply([.audit(events[1])])
            try await s.identity.apply([.audit(events[2]), .audit(events[3]), .audit(events[4])])

            let all = try await s.identity.auditEntries(tenant: nil, subject: nil, event: nil, limit: 100)
            #expect(all.map(\.event) == Array(events.reversed()))
            #expect(zip(all, all.dropFirst()).allSatisfy { newer, older in newer.sequence > older.sequence && newer.previousHash == older.hash })
            #expect(Set(all.map(\.hash)).count == 5)
            #expect(try await s.identity.verifyAuditChain() == .intact(entries: 5))

            func filtered(tenant: TenantID? = nil, subject: UserID? = nil, event: String? = nil, limit: Int = 100) async throws -> [AuditEvent] {
                try await s.identity.auditEntries(tenant: tenant, subject: subject, event: event, limit: limit).map(\.event)
            }
            #expect(try await filtered(tenant: alice.tenantID) == [events[4], events[3], events[0]])
            #expect(try await filtered(subject: alice.id) == [events[3], events[0]])
            #expect(try await filtered(event: "sign-in.success") == [events[4], events[0]])
            #expect(try await filtered(tenant: alice.tenantID, subject: alice.id, event: "sign-in.success") == [events[0]])
            #expect(try await filtered(tenant: bob.tenantID, event: "sign-in.success").isEmpty)
            #expect(try await filtered(limit: 2) == [events[4], events[3]])
            #expect(try await filtered(tenant: alice.tenantID, limit: 1) == [events[4]])
        }
    }

    // MARK: - Consent, agreements, policy versions, announcements

    /// The consent ledger of a subject is every record of that subject, newest first (so the first per purpose is its
    /// state); agreements are listed per account newest first; policy versions oldest first; the last announcement is
    /// the newest one.
    public static func consentsAgreementsPolicyVersionsAndAnnouncements(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let alice = try await account(s, email: "alice@example.com")
            let bob = try await account(s, email: "bob@example.com")
            func consent(_ subject: UserID, _ purpose: String, _ state: ConsentRecord.State, _ method: ConsentRecord.Method, _ time: Int64)
                -> ConsentRecord
            {
                ConsentRecord(
                    subject: ConsentRecord.subject(subject), purpose: purpose, state: state, policyVersion: "2026-01", noticeHash: "n-\(time)",
                    method: method, time: time, client: "Firefox/140", networkPrefix: "198.51.100.0/24")
            }
            let ledger = [
                consent(alice.id, "marketing", .given, .form, 1_000),
                consent(bob.id, "marketing", .given, .banner, 1_050),
                consent(alice.id, "analytics", .refused, .gpc, 1_100),
                consent(alice.id, "marketing", .withdrawn, .unsubscribe, 1_200),
                consent(alice.id, "analytics", .expired, .policyChange, 1_300),
            ]
            try await s.identity.apply(ledger.map(IdentityChange.recordConsent))
            #expect(try await s.identity.consentHistory(subject: ConsentRecord.subject(alice.id)) == [ledger[4], ledger[3], ledger[2], ledger[0]])
            #expect(try await s.identity.consentHistory(subject: ConsentRecord.subject(bob.id)) == [ledger[1]])
            #expect(try await s.identity.consentHistory(subject: "user:nobody").isEmpty)

            let first = PolicyAgreement(userID: alice.id, policyVersion: "2025-06", time: 1_000, method: "sign-up-form", ip: "198.51.100.7", client: "Firefox/140")
            let second = PolicyAgreement(userID: alice.id, policyVersion: "2026-01", time: 2_000, method: "policy-notice", ip: "198.51.100.9", client: "Safari/18")
            let bobs = PolicyAgreement(userID: bob.id, policyVersion: "2026-01", time: 1_500, method: "sign-up-form", ip: "203.0.113.1", client: "curl")
            try await s.identity.apply([.recordAgreement(first), .recordAgreement(bobs), .recordAgreement(second)])
            #expect(try await s.identity.agreements(of: alice.id) == [second, first])
            #expect(try await s.identity.agreements(of: bob.id) == [bobs])
            #expect(try await s.identity.agreements(of: UserID()).isEmpty)

            #expect(try await s.identity.policyVersions().isEmpty)
            #expect(try await s.identity.lastAnnouncement() == nil)
            let v1 = PolicyVersionRecord(
                version: "2025-06", effectiveDate: "2025-06-01", material: false, narrowsRights: false, summary: "First", rights: ["access", "erasure"],
                processors: ["Mailer GmbH, DE: mail"], loadedTime: 1_000)
            let v2 = PolicyVersionRecord(
                version: "2026-01", effectiveDate: "2026-01-01", material: true, narrowsRights: false, summary: "Second, with \"quotes\"",
                rights: [], processors: [], loadedTime: 2_000)
            try await s.identity.apply([.recordPolicyVersion(v1)])
            try await s.identity.apply([.recordPolicyVersion(v2)])
            #expect(try await s.identity.policyVersions() == [v1, v2])

            let spring = AnnouncementRecord(time: 1_000, subject: "Spring news", sent: 3, skipped: 1)
            let summer = AnnouncementRecord(time: 2_000, subject: "Summer news", sent: 4, skipped: 0)
            try await s.identity.apply([.recordAnnouncement(spring)])
            try await s.identity.apply([.recordAnnouncement(summer)])
            #expect(try await s.identity.lastAnnouncement() == summer)
        }
    }

    /// Announcements go to active accounts only, oldest first; account holders are every confirmed account (active,
    /// deactivated or disabled), oldest first, never one still waiting for its email or a parent.
    public static func activeAccountsAndAccountHolders(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let active = try await account(s, email: "active@example.com", status: .active, createdTime: 3_000)
            let deactivated = try await account(s, email: "deactivated@example.com", status: .deactivated, createdTime: 1_000)
            _ = try await account(s, email: "waiting@example.com", status: .awaitingEmail, createdTime: 2_000)
            _ = try await account(s, email: "child@example.com", status: .awaitingParent, createdTime: 2_500)
            let disabled = try await account(s, email: "disabled@example.com", status: .disabled, createdTime: 4_000)
            let early = try await account(s, email: "early@example.com", status: .active, createdTime: 2_000)
            #expect(try await s.identity.activeAccounts().map(\.user) == [early, active])
            #expect(try await s.identity.accountHolders().map(\.user) == [deactivated, early, active, disabled])
            try await s.identity.apply([.setStatus(active.id, .disabled), .setStatus(deactivated.id, .active)])
            #expect(try await s.identity.activeAccounts().map(\.user) == [deactivated, early])
        }
    }

    // MARK: - Unopened accounts

    /// `deleteUnopenedAccounts` deletes accounts created strictly before the time that are still waiting for their
    /// email or a parent, and returns them; their sign-up tenant goes with them unless someone else or a device is in
    /// it; open accounts, and unopened ones not old enough, stay.
    public static func deleteUnopenedAccountsKeepsOpenOnesAndSharedTenants(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let unconfirmed = try await account(s, email: "unconfirmed@example.com", status: .awaitingEmail, createdTime: 1_000)
            let child = try await account(s, email: "child@example.com", status: .awaitingParent, createdTime: 2_000)
            let recent = try await account(s, email: "recent@example.com", status: .awaitingEmail, createdTime: 6_000)
            let borderline = try await account(s, email: "borderline@example.com", status: .awaitingEmail, createdTime: 5_000)
            let open = try await account(s, email: "open@example.com", status: .active, createdTime: 1_000)
            let guest = try await account(s, email: "guest@example.com", tenant: open.tenantID, status: .awaitingEmail, createdTime: 1_000)
            let withDevice = try await account(s, email: "device@example.com", status: .awaitingEmail, createdTime: 1_000)
            let deviceTenant = try #require(withDevice.tenantID)
            try await s.devices.createDevice(Device(tenantID: deviceTenant, name: "kept", accessToken: "token-\(UUID().uuidString)", createdTime: 1))

            let deleted = try await s.identity.deleteUnopenedAccounts(createdBefore: 5_000)
            #expect(Set(deleted.map(\.id)) == Set([unconfirmed.id, child.id, guest.id, withDevice.id]))
            #expect(Set(deleted.map(\.email)) == Set([unconfirmed.email, child.email, guest.email, withDevice.email]))
            for gone in [unconfirmed, child, guest, withDevice] {
                #expect(try await s.identity.account(id: gone.id) == nil)
                #expect(try await s.identity.account(email: gone.email) == nil)
            }
            for kept in [recent, borderline, open] {
                #expect(try await s.identity.account(id: kept.id)?.user == kept)
            }
            #expect(try await s.accounts.tenant(id: try #require(unconfirmed.tenantID)) == nil)
            #expect(try await s.accounts.tenant(id: try #require(child.tenantID)) == nil)
            #expect(try await s.accounts.tenant(id: try #require(open.tenantID)) != nil)
            #expect(try await s.accounts.tenant(id: deviceTenant) != nil)
            #expect(try await s.identity.deleteUnopenedAccounts(createdBefore: 5_000).isEmpty)
        }
    }
}
