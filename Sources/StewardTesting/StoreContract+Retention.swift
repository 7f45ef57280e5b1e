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

    /// Requests go once they were closed long enough (never while open), complaints by when they were received, and
    /// disclosures by the later of the disclosure and the end of its restriction.
    // promise: MB-14
    public static func requestsComplaintsAndDisclosuresExpireByTheirOwnTime(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let alice = try await account(s, email: "alice@example.com")
            try await s.identity.apply([
                .rights(.createRequest(request("closed-early", tenant: alice.tenantID, user: alice.id, email: "alice@example.com", received: 1_000))),
                .rights(.createRequest(request("closed-late", tenant: alice.tenantID, user: alice.id, email: "alice@example.com", received: 1_000))),
                .rights(.createRequest(request("open", tenant: alice.tenantID, user: alice.id, email: "alice@example.com", received: 1_000))),
                .rights(.closeRequest(id: "closed-early", status: .done, outcome: "done", by: nil, at: 2_000)),
                .rights(.closeRequest(id: "closed-late", status: .done, outcome: "done", by: nil, at: 20_000)),
            ])
            #expect(
                try await s.retention.expire(.closedRequests, before: 10_000_000, limit: 100, dryRun: true)
                    == RetentionStep(affected: 2, more: false, oldest: 2_000))
            #expect(
                try await s.retention.expire(.closedRequests, before: 10_000, limit: 100, dryRun: false)
                    == RetentionStep(affected: 1, more: false, oldest: 20_000))
            #expect(try await s.identity.request(id: "closed-early") == nil)
            #expect(try await s.identity.request(id: "closed-late") != nil)
            #expect(try await s.identity.request(id: "open") != nil)

            try await s.identity.apply([
                .rights(.recordComplaint(ComplaintRecord(id: "c1", tenantID: nil, userID: alice.id, name: nil, email: "alice@example.com", text: "one", receivedTime: 1_000))),
                .rights(.recordComplaint(ComplaintRecord(id: "c2", tenantID: nil, userID: alice.id, name: nil, email: "alice@example.com", text: "two", receivedTime: 30_000))),
            ])
            #expect(
                try await s.retention.expire(.complaints, before: 10_000, limit: 100, dryRun: false)
                    == RetentionStep(affected: 1, more: false, oldest: 30_000))
            #expect(try await s.identity.complaints(tenant: nil).map(\.id) == ["c2"])

            func disclosure(_ id: String, at time: Int64, restrictedUntil: Int64? = nil) -> DisclosureRecord {
                DisclosureRecord(
                    id: id, tenantID: alice.tenantID, userID: alice.id, recipient: "Court", categories: [], what: "profile",
                    legalGround: "§ 1", disclosedTime: time, recordedTime: time, recordedBy: nil, restrictedUntil: restrictedUntil,
                    restrictionReason: restrictedUntil == nil ? nil : "ongoing investigation")
            }
            try await s.identity.apply([
                .rights(.recordDisclosure(disclosure("old", at: 1_000))),
                .rights(.recordDisclosure(disclosure("old-but-restricted", at: 1_000, restrictedUntil: 50_000))),
                .rights(.recordDisclosure(disclosure("recent", at: 40_000))),
            ])
            #expect(
                try await s.retention.expire(.disclosures, before: 10_000, limit: 100, dryRun: false)
                    == RetentionStep(affected: 1, more: false, oldest: 40_000))
            #expect(try await s.identity.disclosures(of: alice.id).map(\.id).sorted() == ["old-but-restricted", "recent"])
        }
    }

    /// Readings go per (device profile, key): a batch takes the group's readings before the cutoff device by device,
    /// each oldest first, on every device of that profile (or without one), and its latest values once they are older than the cutoff too; other
    /// keys, other profiles and younger readings stay. The groups are listed from the latest values.
    // promise: MB-14
    public static func readingsExpirePerProfileAndKey(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let tenant = Tenant(name: "Acme", createdTime: 1)
            try await s.accounts.createTenant(tenant)
            let wearable = DeviceProfile(tenantID: tenant.id, name: "wearable", createdTime: 1)
            try await s.devices.createProfile(wearable)
            let plain = [
                Device(tenantID: tenant.id, name: "tracker-1", accessToken: "retention-t1", createdTime: 1),
                Device(tenantID: tenant.id, name: "tracker-2", accessToken: "retention-t2", createdTime: 1),
            ]
            let worn = Device(tenantID: tenant.id, profileID: wearable.id, name: "watch", accessToken: "retention-w", createdTime: 1)
            for device in plain + [worn] { try await s.devices.createDevice(device) }
            func readings(_ device: Device, _ times: [Int64]) -> TelemetryBatch {
                TelemetryBatch(
                    device: device.id,
                    entries: times.map { TimedValues(ts: $0, values: [KeyValue("lat", .double(48.2)), KeyValue("temp", .long($0))]) })
            }
            try await s.telemetry.append([
                readings(plain[0], [1_000, 2_000, 3_000]), readings(plain[1], [1_500, 2_500]), readings(worn, [1_000, 2_000]),
            ])
            let group = TelemetrySeriesGroup(profile: nil, key: "lat")
            #expect(
                try await s.retention.telemetrySeriesGroups() == [
                    group, TelemetrySeriesGroup(profile: nil, key: "temp"),
                    TelemetrySeriesGroup(profile: "wearable", key: "lat"), TelemetrySeriesGroup(profile: "wearable", key: "temp"),
                ])

            #expect(
                try await s.retention.expireReadings(group, before: 2_600, limit: 100, dryRun: true, foldingInto: nil)
                    == RetentionStep(affected: 4, more: false, oldest: 1_000))
            #expect(
                try await s.retention.expireReadings(group, before: 2_600, limit: 3, dryRun: false, foldingInto: nil)
                    == RetentionStep(affected: 3, more: true, oldest: 2_500))
            #expect(
                try await s.retention.expireReadings(group, before: 2_600, limit: 3, dryRun: false, foldingInto: nil)
                    == RetentionStep(affected: 1, more: false, oldest: 3_000))
            let query = TimeSeriesQuery(keys: ["lat", "temp"], startTs: 0, endTs: 10_000, limit: 100, ascending: true)
            let first = try await s.telemetry.history(tenant: tenant.id, device: plain[0].id, query: query)
            #expect(first["lat"]?.map(\.ts) == [3_000])
            #expect(first["temp"]?.map(\.ts) == [1_000, 2_000, 3_000])
            // The second tracker's last position was older than the cutoff: its latest value went with it.
            #expect(try await s.telemetry.history(tenant: tenant.id, device: plain[1].id, query: query)["lat"] == nil)
            #expect(try await s.telemetry.latest(tenant: tenant.id, device: plain[1].id, keys: ["lat"]).isEmpty)
            #expect(try await s.telemetry.latest(tenant: tenant.id, device: plain[0].id, keys: ["lat"])["lat"]?.ts == 3_000)
            // The wearable's positions are another group.
            #expect(try await s.telemetry.history(tenant: tenant.id, device: worn.id, query: query)["lat"]?.count == 2)
            #expect(
                try await s.retention.telemetrySeriesGroups().contains(TelemetrySeriesGroup(profile: "wearable", key: "lat")))
        }
    }

    /// A column past its period is replaced in place, oldest first, only while it is still as recorded (an address
    /// that became a network, an emptied client, is not touched again); younger values and other columns stay.
    // promise: MB-14
    public static func columnsPastTheirPeriodAreReplacedInPlace(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let alice = try await account(s, email: "alice@example.com")
            var old = session("old", user: alice.id)
            old.createdTime = 1_000
            var young = session("young", user: alice.id)
            young.createdTime = 50_000
            try await s.identity.apply([
                .createSession(old), .createSession(young),
                .recordAgreement(PolicyAgreement(userID: alice.id, policyVersion: "1", time: 1_000, method: "sign-up-form", ip: "198.51.100.7", client: "Firefox/140")),
                .recordAgreement(PolicyAgreement(userID: alice.id, policyVersion: "2", time: 60_000, method: "policy-notice", ip: "198.51.100.9", client: "Safari/18")),
                .createAPIKey(APIKeyRecord(id: "key-1", prefix: "pfx1", secretHash: "s1", userID: alice.id, tenantID: alice.tenantID, name: "CI", role: .full, createdTime: 1_000)),
            ])
            try await s.identity.touchAPIKey(id: "key-1", at: 2_000, ip: "2001:db8:1:2::9")
            let masked: @Sendable (String) -> String = { "\($0)/masked" }

            #expect(
                try await s.retention.anonymize(.sessionAddress, before: 10_000, limit: 100, dryRun: true, masked)
                    == RetentionStep(affected: 1, more: false, oldest: 1_000))
            #expect(try await s.identity.session(id: "old")?.ip == "198.51.100.7")
            #expect(
                try await s.retention.anonymize(.sessionAddress, before: 10_000, limit: 100, dryRun: false, masked)
                    == RetentionStep(affected: 1, more: false, oldest: 50_000))
            #expect(try await s.identity.session(id: "old")?.ip == "198.51.100.7/masked")
            #expect(try await s.identity.session(id: "old")?.client == "Firefox/140")
            #expect(try await s.identity.session(id: "young")?.ip == "198.51.100.7")
            // Done once: the masked value is not pending any more.
            #expect(try await s.retention.anonymize(.sessionAddress, before: 10_000, limit: 100, dryRun: false, masked).affected == 0)

            #expect(try await s.retention.anonymize(.sessionClient, before: 10_000, limit: 100, dryRun: false) { _ in "" }.affected == 1)
            #expect(try await s.identity.session(id: "old")?.client == "")
            #expect(try await s.retention.anonymize(.sessionClient, before: 10_000, limit: 100, dryRun: false) { _ in "" }.affected == 0)

            #expect(try await s.retention.anonymize(.agreementAddress, before: 10_000, limit: 1, dryRun: false, masked)
                == RetentionStep(affected: 1, more: true, oldest: 60_000))
            #expect(try await s.retention.anonymize(.agreementClient, before: 10_000, limit: 100, dryRun: false) { _ in "" }.affected == 1)
            let agreements = try await s.identity.agreements(of: alice.id).sorted { $0.time < $1.time }
            #expect(agreements.map(\.ip) == ["198.51.100.7/masked", "198.51.100.9"])
            #expect(agreements.map(\.client) == ["", "Safari/18"])

            #expect(try await s.retention.anonymize(.apiKeyAddress, before: 10_000, limit: 100, dryRun: false, masked).affected == 1)
            #expect(try await s.identity.apiKeys(of: alice.id).first?.lastUsedIP == "2001:db8:1:2::9/masked")

            // The consent ledger lets only the client be emptied; everything else stays as recorded.
            func consent(_ time: Int64) -> ConsentRecord {
                ConsentRecord(
                    subject: ConsentRecord.subject(alice.id), purpose: "marketing", state: .given, policyVersion: "1", noticeHash: "n",
                    method: .form, time: time, client: "Firefox/140", networkPrefix: "198.51.100.0/24")
            }
            try await s.identity.apply([.recordConsent(consent(1_000)), .recordConsent(consent(50_000))])
            #expect(try await s.retention.anonymize(.consentClient, before: 10_000, limit: 100, dryRun: false) { _ in "" }.affected == 1)
            let ledger = try await s.identity.consentHistory(subject: ConsentRecord.subject(alice.id)).sorted { $0.time < $1.time }
            #expect(ledger.map(\.client) == ["", "Firefox/140"])
            #expect(ledger.map(\.networkPrefix) == ["198.51.100.0/24", "198.51.100.0/24"])
            await #expect(throws: (any Error).self) {
                _ = try await s.retention.anonymize(.consentClient, before: 90_000, limit: 100, dryRun: false) { _ in "forged" }
            }
            #expect(try await s.identity.consentHistory(subject: ConsentRecord.subject(alice.id)).map(\.client).sorted() == ["", "Firefox/140"])
        }
    }
}
