import Foundation
import StewardCore
import StewardStore
import Testing

/// The contract of `RetentionStore`: records go once their time is before the cutoff, in bounded batches, oldest
/// first; what is younger stays; a dry run deletes nothing.
extension StoreContract {
    /// A batch deletes at most `limit` records, oldest first, and says `more` while it stopped at the limit; a record
    /// at the cutoff stays; a dry run counts all that would go and deletes nothing; `oldest` is the oldest left.
    // promise: MB-14
    public static func expiredRecordsGoInBatchesOldestFirst(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let alice = try await account(s, email: "alice@example.com")
            let times: [Int64] = [5_000, 1_000, 3_000, 2_000, 4_000]
            try await s.identity.apply(times.map { .recordSignIn(signIn($0, "alice@example.com", alice.id, .success)) })

            let dry = try await s.retention.expire(.signIns, before: 3_000, limit: 1, dryRun: true)
            #expect(dry == RetentionStep(affected: 2, more: false, oldest: 1_000))
            #expect(try await s.identity.signIns(of: alice.id, limit: 10).count == 5)

            #expect(
                try await s.retention.expire(.signIns, before: 4_001, limit: 2, dryRun: false)
                    == RetentionStep(affected: 2, more: true, oldest: 3_000))
            #expect(
                try await s.retention.expire(.signIns, before: 4_001, limit: 2, dryRun: false)
                    == RetentionStep(affected: 2, more: true, oldest: 5_000))
            #expect(
                try await s.retention.expire(.signIns, before: 4_001, limit: 2, dryRun: false)
                    == RetentionStep(affected: 0, more: false, oldest: 5_000))
            #expect(try await s.identity.signIns(of: alice.id, limit: 10).map(\.time) == [5_000])

            await #expect(throws: StewardError.self) {
                _ = try await s.retention.expire(.signIns, before: 9_000, limit: 0, dryRun: false)
            }
            #expect(try await s.identity.signIns(of: alice.id, limit: 10).count == 1)
        }
    }

    /// Each kind goes by its own time: a session by when it ended (revoked, else expired) and never while it lives;
    /// links by when they expire; address locks by when they end; mail by when it was sent, else queued.
    // promise: MB-14
    public static func recordsExpireByTheirOwnTime(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let alice = try await account(s, email: "alice@example.com")
            var ended = session("ended", user: alice.id)
            ended.expiresTime = 2_000
            let revoked = session("revoked", user: alice.id)
            let live = session("live", user: alice.id)
            try await s.identity.apply([
                .createSession(ended), .createSession(revoked), .createSession(live),
                .revokeSession(id: "revoked", userID: alice.id, at: 1_500),
            ])
            #expect(
                try await s.retention.expire(.sessions, before: 10_000, limit: 100, dryRun: false)
                    == RetentionStep(affected: 2, more: false, oldest: live.expiresTime))
            #expect(try await s.identity.session(id: "ended") == nil)
            #expect(try await s.identity.session(id: "revoked") == nil)
            #expect(try await s.identity.session(id: "live") != nil)

            try await s.identity.apply([
                .issueToken(OneTimeToken(hash: "old-link", userID: alice.id, purpose: .resetPassword, createdTime: 1_000, expiresTime: 2_000)),
                .issueToken(OneTimeToken(hash: "new-link", userID: alice.id, purpose: .resetPassword, createdTime: 1_000, expiresTime: 50_000)),
            ])
            #expect(
                try await s.retention.expire(.oneTimeTokens, before: 10_000, limit: 100, dryRun: false)
                    == RetentionStep(affected: 1, more: false, oldest: 50_000))
            #expect(try await s.identity.token(hash: "old-link") == nil)
            #expect(try await s.identity.token(hash: "new-link") != nil)

            try await s.identity.apply([
                .lockAddress(email: "ghost@example.com", until: 5_000, at: 1_000),
                .lockAddress(email: "other@example.com", until: 50_000, at: 1_000),
            ])
            #expect(
                try await s.retention.expire(.addressLocks, before: 10_000, limit: 100, dryRun: false)
                    == RetentionStep(affected: 1, more: false, oldest: 50_000))
            #expect(try await s.identity.addressLockedUntil(email: "other@example.com", at: 20_000) == 50_000)

            // Mail is queued at the store's clock: none of it is older than a day, all of it is older than a minute ahead.
            let queued = WallClock.nowMillis()
            try await s.identity.apply([
                .enqueueMail(NewMail(recipient: "alice@example.com", subject: "One", textBody: "1")),
                .enqueueMail(NewMail(recipient: "alice@example.com", subject: "Two", textBody: "2")),
            ])
            let dayAgo = queued - 86_400_000
            #expect(try await s.retention.expire(.mail, before: dayAgo, limit: 100, dryRun: false).affected == 0)
            let soon = WallClock.nowMillis() + 60_000
            #expect(try await s.retention.expire(.mail, before: soon, limit: 100, dryRun: true).affected == 2)
            #expect(
                try await s.retention.expire(.mail, before: soon, limit: 100, dryRun: false)
                    == RetentionStep(affected: 2, more: false, oldest: nil))
        }
    }
}
