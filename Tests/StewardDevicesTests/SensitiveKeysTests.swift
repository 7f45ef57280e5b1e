import Foundation
import GRDB
import StewardCore
import StewardDevices
@testable import StewardSQLite
import StewardStore
import Synchronization
import Testing

/// The device service decides which keys are sensitive before it submits anything; the store seals what it is told.
@Suite struct SensitiveKeysTests {
    /// `lat*` is precise location everywhere; `pulse` is health only on devices of the `tracker` profile.
    let keys = SensitiveKeys(
        mapping: TelemetryMapping(
            defaultCategory: "user.telemetry", rules: [.init(pattern: "lat*", category: "user.location")],
            profiles: [.init(profile: "tracker", rules: [.init(pattern: "pulse", category: "user.health")])]),
        isSensitive: { ["user.location", "user.health"].contains($0) })

    @Test func keysAreClassifiedPerProfileAndAnUnknownProfileSealsWhatAnyProfileWould() {
        let all = ["latitude", "pulse", "temperature"]
        #expect(keys.sensitive(all, profile: .none) == ["latitude"])
        #expect(keys.sensitive(all, profile: .named("tracker")) == ["latitude", "pulse"])
        #expect(keys.sensitive(all, profile: .named("TRACKER")) == ["latitude", "pulse"])  // profile names ignore case
        #expect(keys.sensitive(all, profile: .named("fridge")) == ["latitude"])
        #expect(keys.sensitive(all, profile: .unknown) == ["latitude", "pulse"])
        // Answers are remembered per profile: asking again gives the same, in any order.
        #expect(keys.sensitive(all.reversed(), profile: .none) == ["latitude"])
        #expect(SensitiveKeys.none.sensitive(all, profile: .unknown).isEmpty)
    }

    @Test func theProfileIsLookedUpOnlyForKeysAProfileRuleCouldChange() {
        let asked = Mutex(0)
        func readings(_ keys: String...) -> [TimedValues] { [TimedValues(ts: 1, values: keys.map { KeyValue($0, .long(1)) })] }
        let profile: () -> SensitiveKeys.Profile = {
            asked.withLock { $0 += 1 }
            return .named("tracker")
        }
        #expect(keys.sensitive(in: readings("latitude", "temperature"), profile: profile) == ["latitude"])
        #expect(asked.withLock { $0 } == 0)
        // `pulse` is health only on trackers: the profile is asked, once per message however many such keys it has.
        #expect(keys.sensitive(in: readings("pulse", "temperature", "pulse"), profile: profile) == ["pulse"])
        #expect(asked.withLock { $0 } == 1)
        #expect(keys.sensitive(in: readings("pulse"), profile: { .none }).isEmpty)
        #expect(keys.sensitive(in: readings("pulse"), profile: { .unknown }) == ["pulse"])
    }

    // promise: MS-6
    @Test func readingsAndAttributesTheServiceClassesSensitiveAreSealedAtRest() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("steward-sensitive-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try SQLiteStore(directory: directory, durability: .normal, masterKey: Array(repeating: 7, count: 32))
        let tenant = Tenant(name: "Runner's own", createdTime: 1)
        try await store.createTenant(tenant)
        // The tenant's only member: its devices concern her.
        try await store.createUser(
            User(tenantID: tenant.id, customerID: nil, email: "runner@example.com", authority: .tenantAdmin, createdTime: 1), passwordHash: "x")
        let tracker = DeviceProfile(tenantID: tenant.id, name: "tracker", createdTime: 1)
        try await store.createProfile(tracker)
        let device = Device(tenantID: tenant.id, profileID: tracker.id, name: "watch", accessToken: "watch-token", createdTime: 1)
        try await store.createDevice(device)
        let writer = TelemetryWriter(store: store)
        defer { writer.shutdown() }
        let service = DeviceService(
            devices: store, attributes: store, telemetry: store, writer: writer, hub: DeviceHub(), limits: SessionLimits(), sensitivity: keys)
        let authenticated = try #require(try await service.authenticate(token: "watch-token"))
        // Through the synchronous ingest path (as MQTT uses it), then the attribute path.
        let done: Result<Void, any Error> = await withCheckedContinuation { continuation in
            service.submitTelemetry(
                authenticated, payload: Array(#"{"ts":1800000000000,"values":{"latitude":51.4934,"pulse":61,"temperature":21}}"#.utf8)
            ) { continuation.resume(returning: $0) }
        }
        try done.get()
        try await service.saveClientAttributes(authenticated, payload: Array(#"{"lat":48.8584,"firmware":"v1.2"}"#.utf8))
        let readings = try await store.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT k.key, r.t FROM ts_kv r JOIN ts_key k ON k.id = r.key_id")
                .reduce(into: [String: Int64]()) { $0[$1["key"]] = $1["t"] }
        }
        #expect(readings == ["latitude": 103, "pulse": 102, "temperature": 2])
        let attributes = try await store.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT key, t FROM attribute_kv").reduce(into: [String: Int64]()) { $0[$1["key"]] = $1["t"] }
        }
        #expect(attributes == ["lat": 103, "firmware": 4])
        // Read back plain through the store.
        let latest = try await store.latest(tenant: tenant.id, device: device.id, keys: nil)
        #expect(latest["pulse"]?.value == .long(61) && latest["latitude"]?.value == .double(51.4934))
    }
}
