import Foundation
import StewardCore
import StewardStore
import Testing

/// The contract of ThingsBoard's data-lifetime API on a store: deleting readings by range, readings written with a
/// time to live, storage TTLs per tenant and device profile, and folding readings into daily statistics before an
/// `aggregate` rule deletes them.
extension StoreContract {
    /// A device with `temp` readings at the given times and one `hum` reading, in a tenant of its own.
    static func lifetimeFixture(_ s: StoresUnderTest, temps: [Int64], ttl: Int64? = nil) async throws -> (Tenant, Device) {
        let tenant = Tenant(name: "Lifetimes", createdTime: 1)
        try await s.accounts.createTenant(tenant)
        let device = Device(tenantID: tenant.id, name: "boiler", accessToken: "lifetime-boiler", createdTime: 1)
        try await s.devices.createDevice(device)
        try await s.telemetry.append([
            TelemetryBatch(
                device: device.id, entries: temps.map { TimedValues(ts: $0, values: [KeyValue("temp", .long($0 / 100))]) },
                ttlMillis: ttl),
            TelemetryBatch(device: device.id, entries: [TimedValues(ts: 1_000, values: [KeyValue("hum", .double(40.5))])]),
        ])
        return (tenant, device)
    }

    static func times(_ s: StoresUnderTest, _ tenant: Tenant, _ device: Device, _ key: String) async throws -> [Int64] {
        let query = TimeSeriesQuery(keys: [key], startTs: 0, endTs: IntegerInput.maximumTimestamp, limit: 1_000, ascending: true)
        return try await s.telemetry.history(tenant: tenant.id, device: device.id, query: query)[key]?.map(\.ts) ?? []
    }

    /// ThingsBoard's delete: `[startTs, endTs)`, the latest value with it when asked and inside the range, rewritten
    /// to the newest reading left when asked; an unknown key or a reversed range deletes nothing; another tenant's
    /// device is not found.
    public static func readingsAreDeletedByRange(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let (tenant, device) = try await lifetimeFixture(s, temps: [1_000, 2_000, 3_000, 4_000])
            let deleted = try await s.telemetry.deleteReadings(
                tenant: tenant.id, device: device.id, ReadingDeletion(keys: ["temp"], startTs: 2_000, endTs: 4_000))
            #expect(deleted == ["temp": 2])
            #expect(try await times(s, tenant, device, "temp") == [1_000, 4_000])
            #expect(try await s.telemetry.latest(tenant: tenant.id, device: device.id, keys: ["temp"])["temp"]?.ts == 4_000)

            await #expect(throws: StewardError.self) {
                _ = try await s.telemetry.deleteReadings(
                    tenant: tenant.id, device: device.id, ReadingDeletion.all(keys: ["temp", "pressure"]))
            }
            await #expect(throws: StewardError.self) {
                _ = try await s.telemetry.deleteReadings(
                    tenant: tenant.id, device: device.id, ReadingDeletion(keys: ["temp"], startTs: 5_000, endTs: 1_000))
            }
            let other = Tenant(name: "Elsewhere", createdTime: 1)
            try await s.accounts.createTenant(other)
            await #expect(throws: StewardError.self) {
                _ = try await s.telemetry.deleteReadings(tenant: other.id, device: device.id, ReadingDeletion.all(keys: ["temp"]))
            }
            #expect(try await times(s, tenant, device, "temp") == [1_000, 4_000])

            // The latest value is in the range: deleted, then rewritten to the newest reading left.
            let rewritten = try await s.telemetry.deleteReadings(
                tenant: tenant.id, device: device.id,
                ReadingDeletion(keys: ["temp"], startTs: 4_000, endTs: 5_000, deleteLatest: true, rewriteLatest: true))
            #expect(rewritten == ["temp": 1])
            let latest = try await s.telemetry.latest(tenant: tenant.id, device: device.id, keys: ["temp"])["temp"]
            #expect(latest?.ts == 1_000)
            #expect(latest?.value == .long(10))

            // Everything of a key, keeping its latest value when told to.
            #expect(
                try await s.telemetry.deleteReadings(
                    tenant: tenant.id, device: device.id, ReadingDeletion.all(keys: ["hum"], deleteLatest: false)) == ["hum": 1])
            #expect(try await times(s, tenant, device, "hum").isEmpty)
            #expect(try await s.telemetry.latest(tenant: tenant.id, device: device.id, keys: ["hum"])["hum"]?.value == .double(40.5))
            // A key known only by its latest value is still known.
            #expect(
                try await s.telemetry.deleteReadings(tenant: tenant.id, device: device.id, ReadingDeletion.all(keys: ["hum"])) == ["hum": 0])
            #expect(try await s.telemetry.latest(tenant: tenant.id, device: device.id, keys: ["hum"]).isEmpty)
        }
    }

    /// Readings written with a time to live go once it has passed, counted from each reading's own time, soonest
    /// first and in batches; readings without one stay; the latest value goes with the reading it holds.
    // promise: MB-14
    public static func readingsWithATimeToLiveExpire(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let (tenant, device) = try await lifetimeFixture(s, temps: [1_000, 2_000, 3_000], ttl: 10_000)
            try await s.telemetry.append([
                TelemetryBatch(device: device.id, entries: [TimedValues(ts: 1_500, values: [KeyValue("temp", .long(7))])])
            ])
            #expect(
                try await s.retention.expireTTLReadings(now: 12_500, limit: 10, dryRun: true)
                    == RetentionStep(affected: 2, more: false, oldest: 11_000))
            #expect(try await times(s, tenant, device, "temp") == [1_000, 1_500, 2_000, 3_000])
            #expect(
                try await s.retention.expireTTLReadings(now: 12_500, limit: 1, dryRun: false)
                    == RetentionStep(affected: 1, more: true, oldest: 12_000))
            #expect(
                try await s.retention.expireTTLReadings(now: 12_500, limit: 1, dryRun: false)
                    == RetentionStep(affected: 1, more: true, oldest: 13_000))
            #expect(
                try await s.retention.expireTTLReadings(now: 12_500, limit: 1, dryRun: false)
                    == RetentionStep(affected: 0, more: false, oldest: 13_000))
            #expect(try await times(s, tenant, device, "temp") == [1_500, 3_000])
            #expect(try await s.telemetry.latest(tenant: tenant.id, device: device.id, keys: ["temp"])["temp"]?.ts == 3_000)
            #expect(try await s.retention.expireTTLReadings(now: 13_000, limit: 10, dryRun: false).affected == 1)
            #expect(try await times(s, tenant, device, "temp") == [1_500])
            #expect(try await s.telemetry.latest(tenant: tenant.id, device: device.id, keys: ["temp"]).isEmpty)
            #expect(try await times(s, tenant, device, "hum") == [1_000])
        }
    }

    /// An `aggregate` rule adds each batch to the daily statistics of its tenant before deleting it: numeric readings
    /// only, each counted once however the batches fall.
    // promise: MB-14
    public static func aggregatedReadingsAreFoldedBeforeTheyGo(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let tenant = Tenant(name: "Meters", createdTime: 1)
            try await s.accounts.createTenant(tenant)
            let meters = [
                Device(tenantID: tenant.id, name: "meter-1", accessToken: "fold-m1", createdTime: 1),
                Device(tenantID: tenant.id, name: "meter-2", accessToken: "fold-m2", createdTime: 1),
            ]
            for meter in meters { try await s.devices.createDevice(meter) }
            let day: Int64 = 86_400_000
            try await s.telemetry.append([
                TelemetryBatch(
                    device: meters[0].id,
                    entries: [
                        TimedValues(ts: 1_000, values: [KeyValue("energy", .long(1))]),
                        TimedValues(ts: 2_000, values: [KeyValue("energy", .string("n/a"))]),
                        TimedValues(ts: day + 1_000, values: [KeyValue("energy", .long(5))]),
                        TimedValues(ts: 3 * day, values: [KeyValue("energy", .long(100))]),
                    ]),
                TelemetryBatch(
                    device: meters[1].id,
                    entries: [
                        TimedValues(ts: 1_500, values: [KeyValue("energy", .double(2.5))]),
                        TimedValues(ts: 2_500, values: [KeyValue("energy", .long(4))]),
                    ]),
            ])
            let group = TelemetrySeriesGroup(profile: nil, key: "energy")
            let fold = ReadingFold(category: "user.sensor.energy", rollUps: true)
            var steps: [RetentionStep] = []
            repeat {
                steps.append(
                    try await s.retention.expireReadings(group, before: 2 * day, limit: 2, dryRun: false, foldingInto: fold))
            } while steps.last!.more
            #expect(steps.map(\.affected) == [2, 2, 1])
            let folded = try await s.retention.foldedStatistics(tenant: tenant.id, category: "user.sensor.energy", key: "energy")
            #expect(folded == [0: DailyStatistic(count: 3, sum: 7.5, min: 1, max: 4), 1: DailyStatistic(count: 1, sum: 5, min: 5, max: 5)])
            #expect(try await times(s, tenant, meters[0], "energy") == [3 * day])
            // A run that finds nothing more folds nothing more.
            _ = try await s.retention.expireReadings(group, before: 2 * day, limit: 2, dryRun: false, foldingInto: fold)
            #expect(try await s.retention.foldedStatistics(tenant: tenant.id, category: "user.sensor.energy", key: "energy") == folded)

            // History of an hour or more reads the per-device totals past the raw horizon, seamlessly.
            func history(_ meter: Device, _ aggregation: Aggregation, interval: Int64, end: Int64 = 4 * day) async throws
                -> [TimeSeriesPoint]
            {
                let query = TimeSeriesQuery(
                    keys: ["energy"], startTs: 0, endTs: end, interval: interval, aggregation: aggregation, ascending: true)
                return try await s.telemetry.history(tenant: tenant.id, device: meter.id, query: query)["energy"] ?? []
            }
            #expect(try await history(meters[0], .sum, interval: day).map(\.value) == [.long(1), .long(5), .long(100)])
            #expect(try await history(meters[0], .count, interval: day).map(\.value) == [.long(2), .long(1), .long(1)])
            #expect(try await history(meters[1], .sum, interval: 3_600_000).map(\.value) == [.double(6.5)])
            #expect(try await history(meters[1], .max, interval: 3_600_000).map(\.value) == [.double(4)])
            // Under an hour, raw readings only, as in ThingsBoard.
            #expect(try await history(meters[1], .sum, interval: 60_000, end: 7_200_000).isEmpty)

            // Hourly totals go first; daily ones then answer the same history.
            #expect(
                try await s.retention.expireRollups(group, width: .hour, before: 2 * day, limit: 10, dryRun: false)
                    == RetentionStep(affected: 3, more: false, oldest: nil))
            #expect(try await history(meters[0], .sum, interval: day).map(\.value) == [.long(1), .long(5), .long(100)])
            #expect(try await history(meters[1], .avg, interval: day).map(\.value) == [.double(3.25)])
            #expect(
                try await s.retention.expireRollups(group, width: .day, before: day, limit: 10, dryRun: false)
                    == RetentionStep(affected: 2, more: false, oldest: day))
            #expect(try await history(meters[0], .sum, interval: day).map(\.value) == [.long(5), .long(100)])
            #expect(try await history(meters[1], .sum, interval: day).isEmpty)
            // The totals outlive the latest values, so the group is still listed and its totals can still expire.
            #expect(try await s.retention.telemetrySeriesGroups().contains(group))
            // They are the person's data while they last: the export lists them per device.
            let person = try await account(s, email: "meter-owner@example.com", tenant: tenant.id)
            try await s.personalData.assignDevice(tenant: tenant.id, device: meters[0].id, to: person.id)
            let device = try #require(try await s.personalData.devices(concerning: person.id).first { $0.id == meters[0].id })
            #expect(
                try await s.personalData.rollupRows(device: device.seq) == [
                    [.string("energy"), .string("day"), .number(String(day)), .number("1"), .number("1"), .number("5.0"), .number("5.0"), .number("5.0")]
                ])
        }
    }

    /// A storage TTL on a device profile or a tenant covers exactly their devices; it is set within the caller's
    /// tenant only, refused out of range, and cleared with nil.
    // promise: MB-14
    public static func storageTTLsCoverTheirDevices(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let (tenant, device) = try await lifetimeFixture(s, temps: [1_000, 2_000, 3_000])
            let sensors = DeviceProfile(tenantID: tenant.id, name: "sensors", createdTime: 1)
            try await s.devices.createProfile(sensors)
            let probe = Device(tenantID: tenant.id, profileID: sensors.id, name: "probe", accessToken: "lifetime-probe", createdTime: 1)
            try await s.devices.createDevice(probe)
            try await s.telemetry.append([
                TelemetryBatch(device: probe.id, entries: [1_000, 2_000, 3_000].map { TimedValues(ts: $0, values: [KeyValue("temp", .long(1))]) })
            ])
            let other = Tenant(name: "Elsewhere", createdTime: 1)
            try await s.accounts.createTenant(other)

            try await s.retention.setStorageTTL(.profile(sensors.id), tenant: tenant.id, seconds: 60)
            try await s.retention.setStorageTTL(.tenant(other.id), tenant: other.id, seconds: 86_400)
            await #expect(throws: StewardError.self) {
                try await s.retention.setStorageTTL(.profile(sensors.id), tenant: other.id, seconds: 1)
            }
            await #expect(throws: StewardError.self) {
                try await s.retention.setStorageTTL(.profile(sensors.id), tenant: tenant.id, seconds: 0)
            }
            #expect(
                try await s.retention.storageTTLs() == [
                    StorageTTL(scope: .tenant(other.id), name: "Elsewhere", seconds: 86_400),
                    StorageTTL(scope: .profile(sensors.id), name: "sensors", seconds: 60),
                ])

            #expect(
                try await s.retention.expireReadings(of: .profile(sensors.id), before: 2_500, limit: 10, dryRun: false)
                    == RetentionStep(affected: 2, more: false, oldest: 3_000))
            #expect(try await times(s, tenant, probe, "temp") == [3_000])
            #expect(try await times(s, tenant, device, "temp") == [1_000, 2_000, 3_000])
            #expect(
                try await s.retention.expireReadings(of: .tenant(tenant.id), before: 2_500, limit: 10, dryRun: false).affected == 3)
            #expect(try await times(s, tenant, device, "temp") == [3_000])
            #expect(try await times(s, tenant, device, "hum").isEmpty)
            #expect(try await s.telemetry.latest(tenant: tenant.id, device: device.id, keys: ["hum"]).isEmpty)

            try await s.retention.setStorageTTL(.profile(sensors.id), tenant: tenant.id, seconds: nil)
            #expect(try await s.retention.storageTTLs().map(\.name) == ["Elsewhere"])
        }
    }
}

extension StoreContract {
    /// The audit trail at the end of its period: a prefix of old entries goes (never an entry while an older one must
    /// stay), the prune appends an entry naming what went, and the chain still verifies; addresses of entries past
    /// their period are cut to their network and the chain still verifies.
    // promise: MB-14
    public static func auditTrailIsPrunedAndAnonymizedAndStillVerifies(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let times: [Int64] = [1_000, 2_000, 3_000, 9_000, 4_000, 10_000]
            try await s.identity.apply(
                times.map { .audit(AuditEvent(time: $0, tenantID: nil, actorID: nil, credential: "cli", subjectID: nil, event: "test.event", ip: "198.51.100.\($0 / 1_000)")) })
            #expect(try await s.identity.verifyAuditChain() == .intact(entries: 6))

            // Entry #5 (4,000) is old but comes after a young one: only the prefix #1–#3 can go.
            #expect(try await s.retention.pruneAudit(before: 5_000, limit: 100, dryRun: true) == RetentionStep(affected: 3, more: false, oldest: 1_000))
            #expect(try await s.retention.pruneAudit(before: 5_000, limit: 2, dryRun: false) == RetentionStep(affected: 2, more: true, oldest: 3_000))
            #expect(try await s.identity.verifyAuditChain() == .intact(entries: 5))
            #expect(try await s.retention.pruneAudit(before: 5_000, limit: 2, dryRun: false).affected == 1)
            #expect(try await s.retention.pruneAudit(before: 5_000, limit: 2, dryRun: false).affected == 0)
            let left = try await s.identity.auditEntries(tenant: nil, subject: nil, event: nil, limit: 100)
            #expect(left.map(\.sequence) == [8, 7, 6, 5, 4])
            let pruned = left.filter { $0.event.event == "audit.pruned" }.map(\.event.detail)
            #expect(pruned.count == 2)
            #expect(pruned.first?.hasPrefix("removed entries #3 to #3 at the end of their retention period") == true)
            #expect(try await s.identity.verifyAuditChain() == .intact(entries: 5))
            // New entries chain on as before.
            try await s.identity.apply([.audit(AuditEvent(time: 11_000, tenantID: nil, actorID: nil, credential: "cli", subjectID: nil, event: "test.after"))])
            #expect(try await s.identity.verifyAuditChain() == .intact(entries: 6))

            // Addresses past their period become their network; the chain hashes networks, so it still verifies.
            let network: @Sendable (String) -> String = { AddressNetwork.of($0) }
            #expect(try await s.retention.anonymize(.auditAddress, before: 9_500, limit: 10, dryRun: false, network).affected == 2)
            let ips = try await s.identity.auditEntries(tenant: nil, subject: nil, event: "test.event", limit: 10).map(\.event.ip)
            #expect(ips == ["198.51.100.10", "198.51.100.0/24", "198.51.100.0/24"])
            #expect(try await s.identity.verifyAuditChain() == .intact(entries: 6))
        }
    }
}

extension StoreContract {
    /// Attributes a device reports (CLIENT scope) are classified like its readings: they go with their group's key
    /// once last updated before the cutoff; attributes set by people (SERVER, SHARED) and other keys stay.
    // promise: MB-14
    public static func reportedAttributesExpireWithTheirKey(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let tenant = Tenant(name: "Attributes", createdTime: 1)
            try await s.accounts.createTenant(tenant)
            let old = Device(tenantID: tenant.id, name: "old", accessToken: "attributes-old", createdTime: 1)
            let young = Device(tenantID: tenant.id, name: "young", accessToken: "attributes-young", createdTime: 1)
            for device in [old, young] { try await s.devices.createDevice(device) }
            try await s.attributes.saveAttributes(tenant: tenant.id, device: old.id, scope: .client, values: [KeyValue("lat", .double(48.2)), KeyValue("fw", .string("1.0"))], ts: 1_000)
            try await s.attributes.saveAttributes(tenant: tenant.id, device: old.id, scope: .server, values: [KeyValue("lat", .double(1))], ts: 1_000)
            try await s.attributes.saveAttributes(tenant: tenant.id, device: young.id, scope: .client, values: [KeyValue("lat", .double(48.3))], ts: 5_000)
            let group = TelemetrySeriesGroup(profile: nil, key: "lat")
            #expect(try await s.retention.telemetrySeriesGroups() == [TelemetrySeriesGroup(profile: nil, key: "fw"), group])

            #expect(try await s.retention.expireAttributes(group, before: 2_000, dryRun: true) == RetentionStep(affected: 1, more: false, oldest: 1_000))
            #expect(try await s.retention.expireAttributes(group, before: 2_000, dryRun: false) == RetentionStep(affected: 1, more: false, oldest: 5_000))
            #expect(try await s.attributes.attributes(tenant: tenant.id, device: old.id, scope: .client, keys: nil).map(\.key) == ["fw"])
            #expect(try await s.attributes.attributes(tenant: tenant.id, device: old.id, scope: .server, keys: nil).map(\.key) == ["lat"])
            #expect(try await s.attributes.attributes(tenant: tenant.id, device: young.id, scope: .client, keys: nil).map(\.key) == ["lat"])
        }
    }
}
