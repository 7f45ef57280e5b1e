import Foundation
import StewardCore
import StewardStore
import Testing

/// The contract of `IdentityStore`, part two: the sign-in history and what counts it (failed attempts, places,
/// address locks), and the limits on anonymous requests (`grantAttempt`, `withinMailAllowance`).
extension StoreContract {
    static func signIn(
        _ time: Int64, _ email: String, _ user: UserID?, _ outcome: SignInRecord.Outcome, ip: String = "198.51.100.7",
        clientKey: String? = nil, client: String = "Firefox/140"
    ) -> SignInRecord {
        SignInRecord(time: time, email: email, userID: user, ip: ip, clientKey: clientKey, client: client, outcome: outcome)
    }

    // MARK: - Sign-in records

    /// Sign-ins are listed per account newest first up to a limit; failed attempts (wrong password, unknown account,
    /// unconfirmed address, wrong second factor, but not locked, throttled or closed) are counted from `since` on
    /// (inclusive) by email in any letter case, whether or not an account has it, and by client key; the places of
    /// successful sign-ins are distinct (ip, client) pairs, most recent first.
    public static func signInsAreListedAndFailuresCounted(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let alice = try await account(s, email: "alice@example.com")
            let bob = try await account(s, email: "bob@example.com")
            let records = [
                signIn(1_000, "alice@example.com", alice.id, .wrongPassword),
                signIn(1_000, "bob@example.com", bob.id, .wrongPassword),
                signIn(1_100, "ALICE@example.com", nil, .unknownAccount, ip: "198.51.100.8"),
                signIn(1_200, "alice@example.com", alice.id, .success),
                signIn(1_300, "alice@example.com", alice.id, .notConfirmed),
                signIn(1_400, "alice@example.com", alice.id, .wrongFactor, ip: "2001:db8::1", clientKey: "2001:db8::/64"),
                signIn(1_500, "alice@example.com", alice.id, .locked),
                signIn(1_600, "alice@example.com", alice.id, .throttled),
                signIn(1_700, "alice@example.com", alice.id, .closed),
                signIn(1_800, "alice@example.com", alice.id, .success, ip: "198.51.100.9", client: "Safari/18"),
                signIn(1_900, "alice@example.com", alice.id, .success),
                signIn(2_000, "alice@example.com", alice.id, .awaitingFactor),
            ]
            try await s.identity.apply(records.map(IdentityChange.recordSignIn))

            #expect(try await s.identity.signIns(of: alice.id, limit: 3) == [records[11], records[10], records[9]])
            #expect(try await s.identity.signIns(of: alice.id, limit: 100).count == 10)  // the unknown-account try has no user
            #expect(try await s.identity.signIns(of: bob.id, limit: 100) == [records[1]])
            #expect(try await s.identity.signIns(of: UserID(), limit: 100).isEmpty)

            #expect(try await s.identity.failedSignIns(email: "Alice@Example.COM", since: 0) == 4)
            #expect(try await s.identity.failedSignIns(email: "alice@example.com", since: 1_100) == 3)
            #expect(try await s.identity.failedSignIns(email: "alice@example.com", since: 1_401) == 0)
            #expect(try await s.identity.failedSignIns(email: "nobody@example.com", since: 0) == 0)
            #expect(try await s.identity.failedSignIns(clientKey: "198.51.100.7", since: 0) == 3)
            #expect(try await s.identity.failedSignIns(clientKey: "198.51.100.7", since: 1_001) == 1)
            #expect(try await s.identity.failedSignIns(clientKey: "198.51.100.8", since: 0) == 1)
            #expect(try await s.identity.failedSignIns(clientKey: "2001:db8::/64", since: 0) == 1)
            #expect(try await s.identity.failedSignIns(clientKey: "2001:db8::1", since: 0) == 0)

            #expect(
                try await s.identity.signInPlaces(of: alice.id, limit: 10) == [
                    SignInPlace(ip: "198.51.100.7", client: "Firefox/140"), SignInPlace(ip: "198.51.100.9", client: "Safari/18"),
                ])
            #expect(try await s.identity.signInPlaces(of: alice.id, limit: 1) == [SignInPlace(ip: "198.51.100.7", client: "Firefox/140")])
            #expect(try await s.identity.signInPlaces(of: bob.id, limit: 10).isEmpty)
        }
    }

    /// An address without an account is locked until a time, looked up in any letter case; the lock ends at that
    /// time, and locking again replaces it.
    public static func addressLocksEndAtTheirTime(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            try await s.identity.apply([.lockAddress(email: "ghost@example.com", until: 5_000, at: 1_000)])
            #expect(try await s.identity.addressLockedUntil(email: "GHOST@example.com", at: 4_999) == 5_000)
            #expect(try await s.identity.addressLockedUntil(email: "ghost@example.com", at: 5_000) == nil)
            #expect(try await s.identity.addressLockedUntil(email: "other@example.com", at: 1_000) == nil)
            try await s.identity.apply([.lockAddress(email: "Ghost@Example.com", until: 8_000, at: 2_000)])
            #expect(try await s.identity.addressLockedUntil(email: "ghost@example.com", at: 6_000) == 8_000)
        }
    }

    // MARK: - Limits on anonymous requests

    /// `grantAttempt` counts attempts per client and kind in the window (an attempt exactly `window` ago still
    /// counts): it answers true up to `perClient` attempts, then false without recording the refused one.
    public static func grantAttemptLimitsEachClientPerKindAndWindow(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            func attempt(_ time: Int64, client: String = "198.51.100.7", kind: String = "sign-up") async throws -> Bool {
                try await s.identity.grantAttempt(AttemptLimit(kind: kind, client: client, time: time, window: 1_000, perClient: 2))
            }
            let first = try await attempt(1_000)
            #expect(first)
            #expect(try await attempt(1_500))
            #expect(try await attempt(1_600) == false)
            #expect(try await attempt(1_600, client: "198.51.100.8"))
            #expect(try await attempt(1_600, kind: "other"))
            #expect(try await attempt(2_000) == false)  // 1 000 is exactly one window back: still counted
            #expect(try await attempt(2_001))  // 1 000 has left the window; the refused ones were never counted
            #expect(try await attempt(2_002) == false)
        }
    }

    /// Changes inside `withinMailAllowance` are applied while the address (in any letter case) and the client are
    /// under their limits in the window; a refused request applies nothing and fails nothing, so the other changes of
    /// the same call are kept; a mail limited per client only does not count for its address.
    public static func mailAllowanceLimitsPerAddressAndClient(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let user = try await account(s, email: "alice@example.com")
            var issued = 0
            /// Asks for a mail whose only effect is a token; answers whether the token was issued.
            func ask(_ time: Int64, _ recipient: String, _ client: String, perRecipient: Int? = 2) async throws -> Bool {
                issued += 1
                let hash = "token-\(issued)"
                let allowance = MailAllowance(
                    kind: "password-reset", recipient: recipient, client: client, time: time, window: 1_000, perRecipient: perRecipient,
                    perClient: 3)
                let token = OneTimeToken(hash: hash, userID: user.id, purpose: .resetPassword, createdTime: time, expiresTime: time + 10_000)
                try await s.identity.apply([.withinMailAllowance(allowance, then: [.issueToken(token)])])
                return try await s.identity.token(hash: hash) != nil
            }
            #expect(try await ask(1_000, "alice@example.com", "c1"))
            #expect(try await ask(1_001, "alice@example.com", "c2"))
            #expect(try await ask(1_002, "ALICE@Example.com", "c3") == false)  // two for the address already
            #expect(try await ask(1_003, "bob@example.com", "c1"))
            #expect(try await ask(1_004, "carol@example.com", "c1"))
            #expect(try await ask(1_005, "dave@example.com", "c1") == false)  // three from c1 already
            // Per client only: granted although the address is at its limit, and not counted for it.
            #expect(try await ask(1_006, "alice@example.com", "c4", perRecipient: nil))
            #expect(try await ask(1_007, "alice@example.com", "c5", perRecipient: nil))
            // 1 000 left the window; 1 001 is still in it (exactly one window back), so one more for the address.
            #expect(try await ask(2_001, "alice@example.com", "c6"))
            #expect(try await ask(2_001, "alice@example.com", "c7") == false)

            // A refused request fails nothing: the rest of the call is applied.
            let refused = MailAllowance(
                kind: "password-reset", recipient: "alice@example.com", client: "c8", time: 2_001, window: 1_000, perRecipient: 2,
                perClient: 3)
            try await s.identity.apply([
                .withinMailAllowance(
                    refused,
                    then: [.issueToken(OneTimeToken(hash: "inside", userID: user.id, purpose: .resetPassword, createdTime: 1, expiresTime: 9_999))]),
                .issueToken(OneTimeToken(hash: "outside", userID: user.id, purpose: .confirmEmail, createdTime: 1, expiresTime: 9_999)),
            ])
            #expect(try await s.identity.token(hash: "inside") == nil)
            #expect(try await s.identity.token(hash: "outside") != nil)
        }
    }
}
