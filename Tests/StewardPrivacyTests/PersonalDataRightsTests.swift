import Foundation
import GRDB
import StewardAuth
import StewardCore
@testable import StewardSQLite
import StewardStore
import Testing

@testable import StewardPrivacy

/// Export and erasure against a real SQLite store: the archive is read back with Python's `zipfile`, and after the
/// erasure the raw bytes of the database and its WAL are scanned for the person.
@Suite struct PersonalDataRightsTests {
    let directory: String
    let store: SQLiteStore
    let ada: User
    let colleague: User
    let ownDevice: Device
    let orgDevice: Device
    let ownTenant: TenantID
    let client = ClientInfo(ip: "198.51.100.7", client: "tests")
    static let phone = "+44 7700 900123"

    init() async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("steward-rights-\(UUID().uuidString)").path
        store = try SQLiteStore(directory: directory, durability: .normal, masterKey: Array(repeating: 9, count: 32))
        let own = Tenant(name: "Ada's workspace", createdTime: 1)
        let org = Tenant(name: "Analytical Engines Ltd", createdTime: 1)
        try await store.createTenant(own)
        try await store.createTenant(org)
        ownTenant = own.id
        ada = User(tenantID: own.id, customerID: nil, email: "ada.lovelace@example.com", authority: .tenantAdmin, firstName: "Augusta Ada", lastName: "Lovelace", createdTime: 1)
        try await store.createUser(ada, passwordHash: "x")
        colleague = User(tenantID: org.id, customerID: nil, email: "babbage@example.com", authority: .tenantAdmin, createdTime: 1)
        try await store.createUser(colleague, passwordHash: "x")
        try await store.apply([.updateProfile(ada.id, firstName: nil, company: "Difference Works", phone: Self.phone)])
        ownDevice = Device(tenantID: own.id, name: "Ada's tracker", accessToken: "token-own", createdTime: 1)
        orgDevice = Device(tenantID: org.id, name: "Heart monitor 7", accessToken: "token-org", createdTime: 1)
        try await store.createDevice(ownDevice)
        try await store.createDevice(orgDevice)
        // The organisation's monitor is worn by Ada: assigned to her, so it is her data (promise TB-5).
        await #expect(throws: StewardError.self) { try await store.assignDevice(tenant: org.id, device: orgDevice.id, to: ada.id) }
        try await ConsentLedger(store: store, declaration: .bundledDefault).decide(
            ada, purpose: "marketing", give: true, method: .form, signals: .none, confirmedOverSignal: false, from: client)
        var entries: [TimedValues] = []
        for i in 0..<500 {
            let ts = 1_700_000_000_000 + Int64(i) * 60_000
            let lat = KeyValue("lat", .double(51.5072 + Double(i) / 10_000))
            let power = KeyValue("power", .long(Int64(100 + i)))
            let note = KeyValue("note", .string("ride, \"fast\" #\(i)"))
            entries.append(TimedValues(ts: ts, values: [lat, power, note]))
        }
        try await store.append([classified(TelemetryBatch(device: ownDevice.id, entries: entries))])
    }

    /// The keys the declaration classes sensitive on a device of `profile`, as the device service names them.
    func sensitive(_ keys: some Sequence<String>, profile: String? = nil) -> Set<String> {
        Set(keys.filter { PrivacyDeclaration.bundledDefault.category(forTelemetryKey: $0, profile: profile).sensitive })
    }

    /// The batch as the device service submits it: naming its sensitive keys.
    func classified(_ batch: TelemetryBatch, profile: String? = nil) -> TelemetryBatch {
        var batch = batch
        batch.sensitiveKeys = sensitive(batch.entries.flatMap { $0.values.map(\.key) }, profile: profile)
        return batch
    }

    func rights(now: Int64 = 1_800_000_000_000) -> (PersonalDataExport, AccountEraser) {
        (
            PersonalDataExport(store: store, identity: store, declaration: .bundledDefault, now: { now }, pageSize: 128),
            AccountEraser(
                store: store, identity: store, declaration: .bundledDefault, receiptKey: Array(repeating: 1, count: 32),
                flushTelemetry: {}, now: { now })
        )
    }

    func exportArchive() async throws -> String {
        let path = directory + "/export.zip"
        FileManager.default.createFile(atPath: path, contents: nil)
        let file = try #require(FileHandle(forWritingAtPath: path))
        try await rights().0.write(for: ada.id) { file.write(Data($0)) }
        try file.close()
        return path
    }

    /// Reads the archive with Python's zipfile (CRC-checked) and prints names and facts as JSON.
    func inspect(_ path: String) throws -> [String: Any] {
        let script = """
            import json, sys, zipfile, csv, io
            z = zipfile.ZipFile(sys.argv[1])
            bad = z.testzip()
            names = z.namelist()
            tele = list(csv.reader(io.StringIO(z.read('telemetry.csv').decode())))
            data = json.loads(z.read('data.json'))
            print(json.dumps({'bad': bad, 'names': names, 'telemetryRows': len(tele) - 1, 'header': tele[0],
                'jsonTelemetry': len(data['telemetry']), 'profileEmail': data['profile'][0]['email'],
                'notes': sorted({r[3] for r in tele[1:] if r[1] == 'note'})[:1], 'latCategory': [r[4] for r in tele[1:] if r[1] == 'lat'][0],
                'readme': z.read('README.txt').decode(),
                'usageRows': len(list(csv.reader(io.StringIO(z.read('usage.csv').decode())))) - 1, 'jsonUsage': len(data['usage'])}))
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return try #require(try JSONSerialization.jsonObject(with: output) as? [String: Any])
    }

    // promise: TM-17
    @Test func theExportHoldsEveryKindOfRecordAsCSVAndJSONWithAReadme() async throws {
        // More usage records than one page (128 here): the export pages through them.
        try await store.apply(
            (0..<300).map { i in
                .audit(AuditEvent(time: Int64(i), tenantID: ada.tenantID, actorID: ada.id, credential: "key", subjectID: nil, event: "api.write", detail: "POST /api/x \(i)"))
            })
        let facts = try inspect(try await exportArchive())
        #expect(facts["usageRows"] as? Int == 300)
        #expect(facts["jsonUsage"] as? Int == 300)
        #expect(facts["bad"] is NSNull)
        let names = try #require(facts["names"] as? [String])
        for name in ["README.txt", "profile.csv", "consents.csv", "sign_ins.csv", "api_keys.csv", "audit.csv", "usage.csv", "devices.csv", "telemetry.csv", "data.json"] {
            #expect(names.contains(name), "missing \(name)")
        }
        #expect(facts["telemetryRows"] as? Int == 1500)
        #expect(facts["jsonTelemetry"] as? Int == 1500)
        #expect(facts["profileEmail"] as? String == ada.email)
        #expect(facts["latCategory"] as? String == "user.location.precise")
        // A value with a comma and quotes survives CSV quoting.
        #expect((facts["notes"] as? [String])?.first == "ride, \"fast\" #0")
        let readme = try #require(facts["readme"] as? String)
        #expect(readme.contains("Purposes and legal bases:") && readme.contains("Recipients:") && readme.contains("Kept:"))
        #expect(readme.contains("Precise location (user.location.precise), sensitive"))
    }

    // promise: TM-3
    @Test func theAccessReportNamesSourcesPurposesAndRetention() async throws {
        let report = try await AccessReport.build(for: ada.id, store: store, declaration: .bundledDefault)
        let profile = try #require(report.sections.first { $0.name == "profile" })
        #expect(profile.source == "an administrator of your organisation or of this Steward")
        #expect(profile.rows.first?.contains(Self.phone) == true)
        let email = try #require(profile.categories.first { $0.category.key == "user.contact.email" })
        #expect(email.purposes.contains { $0.key == "account" } && !email.recipients.isEmpty)
        let lat = try #require(report.readings.first { $0.key == "lat" })
        #expect(lat.count == 500 && lat.category.category.sensitive && lat.category.retentionText.hasPrefix("90 days"))
    }

    // promise: TB-12
    @Test func erasureRemovesThePersonKeepsTheLegalHoldAndLeavesNoBytes() async throws {
        try await store.apply([
            .audit(AuditEvent(time: 5, tenantID: ada.tenantID, actorID: ada.id, credential: nil, subjectID: ada.id, event: "password.changed"))
        ])
        let outcome = try await rights().1.erase(ada.id, actor: "test")
        #expect(outcome.counts.deleted["account"] == 1)
        #expect(outcome.counts.deleted["readings"] == 1500)
        #expect(outcome.counts.aggregated == 500)  // power: user.telemetry, kept as statistics
        #expect(outcome.counts.kept["audit entries"] == 2)  // the consent and the password change
        #expect(outcome.receipt.body.contains("\"legalHold\""))
        #expect(!outcome.receipt.body.contains(ada.email))
        #expect(try await store.account(id: ada.id) == nil)
        #expect(try await store.tenant(id: ownTenant) == nil)
        #expect(try await store.account(id: colleague.id) != nil)
        let statistics = try await store.pool.read { db in try Row.fetchAll(db, sql: "SELECT * FROM statistic") }
        #expect(statistics.count >= 1 && statistics.allSatisfy { ($0["key"] as String) == "power" })

        // Nothing of Ada is left in the bytes of the database or its log.
        try await store.purgeErasedRemnants()
        for file in ["steward.sqlite", "steward.sqlite-wal"] {
            guard let bytes = FileManager.default.contents(atPath: directory + "/" + file) else { continue }
            for needle in [ada.email, "Lovelace", Self.phone, "Difference Works", "ride, \"fast\""] {
                #expect(bytes.range(of: Data(needle.utf8)) == nil, "\(needle) still in \(file)")
            }
        }
        // A second erasure answers clearly and changes nothing.
        await #expect(throws: StewardError.self) { try await rights().1.erase(ada.id, actor: "test") }
        #expect(try await store.receipt(id: outcome.receipt.id) != nil)
        #expect(rights().1.receiptSignatureIsValid(id: outcome.receipt.id, signature: String(outcome.receiptPath.split(separator: "=").last!)))
        #expect(!rights().1.receiptSignatureIsValid(id: outcome.receipt.id, signature: "00"))
    }

    // promise: TB-5
    @Test func aDeviceAssignedToThePersonIsTheirsInExportAndErasure() async throws {
        let org = try #require(orgDevice.tenantID as TenantID?)
        let babbageDevice = Device(tenantID: org, name: "Engine", accessToken: "token-engine", createdTime: 1)
        try await store.createDevice(babbageDevice)
        let wearer = User(tenantID: org, customerID: nil, email: "wearer@example.com", authority: .customerUser, createdTime: 2)
        try await store.createUser(wearer, passwordHash: "x")
        try await store.assignDevice(tenant: org, device: orgDevice.id, to: wearer.id)
        try await store.append([
            classified(TelemetryBatch(device: orgDevice.id, entries: [TimedValues(ts: 1_700_000_000_000, values: [KeyValue("heartRate", .long(61))])])),
            classified(TelemetryBatch(device: babbageDevice.id, entries: [TimedValues(ts: 1_700_000_000_000, values: [KeyValue("rpm", .long(9))])])),
        ])
        let devices = try await store.devices(concerning: wearer.id)
        #expect(devices.map(\.id) == [orgDevice.id] && devices[0].assigned)
        _ = try await rights().1.erase(wearer.id, actor: "test")
        // The organisation keeps its device, unassigned and without the wearer's readings; other devices are untouched.
        #expect(try await store.device(tenant: org, id: orgDevice.id) != nil)
        #expect(try await store.readingCount(devices: [devices[0].seq]) == 0)
        #expect(try await store.latest(tenant: org, device: babbageDevice.id, keys: nil)["rpm"] != nil)
    }

    func scan(_ path: String, for needles: [String]) -> [String] {
        guard let bytes = FileManager.default.contents(atPath: path) else { return [] }
        return needles.filter { bytes.range(of: Data($0.utf8)) != nil }
    }

    // promise: MS-18b
    @Test func anErasedPersonIsUnreadableInAnOldBackupWhileOthersRestore() async throws {
        try await store.append([
            classified(TelemetryBatch(device: orgDevice.id, entries: [TimedValues(ts: 1_700_000_000_000, values: [KeyValue("engine", .string("difference-engine-no-2"))])]))
        ])
        let backup = directory + "/backup-before.sqlite"
        #expect(try store.backup(to: backup) == 2)
        let ada = [self.ada.email, "Lovelace", Self.phone, "Difference Works", "ride, \"fast\""]
        // Every person's data in the backup is sealed with their own key: nothing of theirs is in the clear.
        #expect(scan(backup, for: ada + [colleague.email, "difference-engine-no-2"]).isEmpty)

        _ = try await rights().1.erase(self.ada.id, actor: "test")
        #expect(try store.keys?.existingKey(for: self.ada.id) == nil)
        try await store.purgeErasedRemnants()
        for file in ["steward.sqlite", "steward.sqlite-wal", "keys.sqlite"] {
            #expect(scan(directory + "/" + file, for: ada).isEmpty, "Ada in \(file)")
        }

        // The old backup, restored with the keys that remain: Babbage is back in full, Ada cannot be read and is dropped.
        let restored = directory + "/restored"
        let result = try SQLiteStore.restore(backup: backup, into: restored, keys: try #require(store.keys))
        #expect(result.dropped > 0 && result.opened > 0)
        // Sealed readings stay sealed in the copy; it opens them with the same key store (as `steward restore` sets up).
        try FileManager.default.copyItem(atPath: directory + "/keys.sqlite", toPath: restored + "/keys.sqlite")
        let copy = try SQLiteStore(directory: restored, durability: .normal, masterKey: Array(repeating: 9, count: 32))
        #expect(try await copy.account(email: colleague.email)?.user.id == colleague.id)
        #expect(try await copy.account(id: self.ada.id) == nil)
        #expect(try await copy.latest(tenant: orgDevice.tenantID, device: orgDevice.id, keys: ["engine"])["engine"]?.value == .string("difference-engine-no-2"))
        // The audit trail is restored whole, its hash chain intact (its entries stay under their legal hold).
        guard case .intact = try await copy.verifyAuditChain() else {
            Issue.record("the restored audit chain does not verify")
            return
        }
        for file in ["steward.sqlite", "steward.sqlite-wal"] {
            #expect(scan(restored + "/" + file, for: ada).isEmpty, "Ada in the restored \(file)")
        }
    }

    // promise: MS-6
    @Test func sensitiveReadingsAreSealedAtRestAndReadBackPlain() async throws {
        try await store.append([
            classified(TelemetryBatch(
                device: ownDevice.id,
                entries: [
                    TimedValues(ts: 1_800_000_000_000, values: [KeyValue("gpsTrace", .string("51.4934N-0.0098E-greenwich")), KeyValue("temperature", .long(21))]),
                    TimedValues(ts: 1_800_000_060_000, values: [KeyValue("heartRate", .long(60))]),
                    TimedValues(ts: 1_800_000_120_000, values: [KeyValue("heartRate", .long(70))]),
                ]))
        ])
        // On disk: the sensitive keys are sealed with Ada's key, the others are not.
        let stored = try await store.pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT k.key, r.t FROM ts_kv r JOIN ts_key k ON k.id = r.key_id WHERE r.ts >= 1800000000000 ORDER BY k.key")
                .map { ($0["key"] as String, $0["t"] as Int64) }
        }
        #expect(stored.filter { $0.0 != "temperature" }.allSatisfy { $0.1 >= 100 })
        #expect(stored.first { $0.0 == "temperature" }?.1 == 2)
        try await store.purgeErasedRemnants()
        #expect(scan(directory + "/steward.sqlite", for: ["greenwich"]).isEmpty)
        // Every read opens them: latest, raw history, aggregation and the export.
        let latest = try await store.latest(tenant: ownTenant, device: ownDevice.id, keys: ["gpsTrace", "heartRate"])
        #expect(latest["gpsTrace"]?.value == .string("51.4934N-0.0098E-greenwich"))
        #expect(latest["heartRate"]?.value == .long(70))
        let window = TimeSeriesQuery(keys: ["heartRate"], startTs: 1_800_000_000_000, endTs: 1_800_000_200_000)
        #expect(try await store.history(tenant: ownTenant, device: ownDevice.id, query: window)["heartRate"]?.count == 2)
        var average = window
        average.aggregation = .avg
        #expect(try await store.history(tenant: ownTenant, device: ownDevice.id, query: average)["heartRate"]?.first?.value == .double(65))
        let page = try await store.readings(device: try #require(await store.devices(concerning: ada.id).first?.seq), after: nil, limit: 10_000)
        #expect(page.readings.contains { $0.key == "gpsTrace" && $0.value == .string("51.4934N-0.0098E-greenwich") })
    }

    // promise: MS-6
    @Test func aggregatesAndStatisticsCountSealedAndPlainReadingsAlike() async throws {
        // The organisation's monitor reports while no one wears it (plain), then while a wearer does (sealed with
        // the wearer's key): one series, half sealed. The organisation has two members, so it is no one's own.
        let org = orgDevice.tenantID
        let wearer = User(tenantID: org, customerID: nil, email: "wearer@example.com", authority: .customerUser, createdTime: 2)
        try await store.createUser(wearer, passwordHash: "x")
        let start: Int64 = 1_800_000_000_000
        try await store.append([classified(TelemetryBatch(device: orgDevice.id, entries: [TimedValues(ts: start, values: [KeyValue("heartRate", .long(50))])]))])
        try await store.assignDevice(tenant: org, device: orgDevice.id, to: wearer.id)
        try await store.append([
            classified(TelemetryBatch(device: orgDevice.id, entries: [TimedValues(ts: start + 60_000, values: [KeyValue("heartRate", .long(71))])]))
        ])
        let types = try await store.pool.read { db in
            try Int64.fetchAll(db, sql: "SELECT t FROM ts_kv r JOIN ts_key k ON k.id = r.key_id WHERE k.key = 'heartRate' ORDER BY ts")
        }
        #expect(types == [2, 102])
        func aggregate(_ aggregation: Aggregation) async throws -> KVValue? {
            let query = TimeSeriesQuery(keys: ["heartRate"], startTs: start, endTs: start + 120_000, aggregation: aggregation)
            return try await store.history(tenant: org, device: orgDevice.id, query: query)["heartRate"]?.first?.value
        }
        #expect(try await aggregate(.avg) == .double(60.5))
        #expect(try await aggregate(.min) == .long(50))
        #expect(try await aggregate(.max) == .long(71))
        #expect(try await aggregate(.sum) == .long(121))
        #expect(try await aggregate(.count) == .long(2))
        // Erasing the wearer under a declaration that keeps heart rates as statistics folds both into one day.
        let plan = ErasurePlan(
            user: wearer.id, email: wearer.email,
            telemetry: TelemetryMapping(defaultCategory: "user.telemetry", rules: [.init(pattern: "heart*", category: "health.statistics")]),
            aggregatedCategories: ["health.statistics"], receipt: ErasureReceiptRecord(id: "r-1", time: start, body: ""),
            receiptWording: ErasureReceiptWording(controller: "Analytical Engines Ltd", policyVersion: "1"),
            audit: AuditEvent(time: start, tenantID: org, actorID: nil, credential: "test", subjectID: wearer.id, event: "account.erased"))
        let counts = try await store.erase(plan)
        #expect(counts.aggregated == 2 && counts.aggregatedCategories == ["health.statistics"])
        let statistic = try #require(try await store.pool.read { db in try Row.fetchOne(db, sql: "SELECT * FROM statistic WHERE key = 'heartRate'") })
        #expect((statistic["count"] as Int) == 2 && (statistic["sum"] as Double) == 121)
        #expect((statistic["min"] as Double) == 50 && (statistic["max"] as Double) == 71)
        #expect(statistic["category"] as String == "health.statistics")
    }

    // promise: MS-6
    @Test func sensitiveAttributesAreSealedAtRestFoundByKeyAndSurviveABackup() async throws {
        // A device reporting where it is as attributes, not telemetry: the same keys, the same category.
        try await store.saveAttributes(
            tenant: ownTenant, device: ownDevice.id, scope: .client,
            values: [KeyValue("gpsTrace", .string("48.8584N-2.2945E-eiffel")), KeyValue("firmware", .string("v1.2.3-plainfw"))],
            ts: 1_800_000_000_000, sensitiveKeys: sensitive(["gpsTrace", "firmware"]))
        let stored = try await store.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT key, t FROM attribute_kv ORDER BY key").map { ($0["key"] as String, $0["t"] as Int64) }
        }
        #expect(stored.first { $0.0 == "gpsTrace" }?.1 ?? 0 >= 100)
        #expect(stored.first { $0.0 == "firmware" }.map { $0.1 < 100 } == true)
        try await store.purgeErasedRemnants()
        #expect(scan(directory + "/steward.sqlite", for: ["eiffel"]).isEmpty)
        #expect(!scan(directory + "/steward.sqlite", for: ["plainfw"]).isEmpty, "the scan finds what is stored plain")
        // Read back plain, by key, and in the export's rows.
        let read = try await store.attributes(tenant: ownTenant, device: ownDevice.id, scope: .client, keys: ["gpsTrace"])
        #expect(read.map(\.value) == [.string("48.8584N-2.2945E-eiffel")])
        let rows = try await store.attributeRows(device: try #require(await store.devices(concerning: ada.id).first?.seq))
        #expect(rows.contains { $0.contains(.string("48.8584N-2.2945E-eiffel")) })
        // A backup and a restore keep it, sealed in the restored copy too.
        let backup = directory + "/attributes.sqlite"
        try store.backup(to: backup)
        let target = directory + "/restored-attributes"
        _ = try SQLiteStore.restore(backup: backup, into: target, keys: try #require(store.keys))
        try FileManager.default.copyItem(atPath: directory + "/keys.sqlite", toPath: target + "/keys.sqlite")
        let copy = try SQLiteStore(directory: target, durability: .normal, masterKey: Array(repeating: 9, count: 32))
        #expect(try await copy.attributes(tenant: ownTenant, device: ownDevice.id, scope: .client, keys: ["gpsTrace"]).map(\.value)
            == [.string("48.8584N-2.2945E-eiffel")])
        #expect(scan(target + "/steward.sqlite", for: ["eiffel"]).isEmpty)
    }

    @Test func backupsAfterAnErasureMakeNoKeyForTheErasedAndOlderBackupsStillRestore() async throws {
        let before = directory + "/before.sqlite"
        try store.backup(to: before)
        _ = try await rights().1.erase(ada.id, actor: "test")
        let after = directory + "/after.sqlite"
        try store.backup(to: after)
        // Ada's honoured request is kept under its legal hold; it must not give her a new key.
        #expect(try store.keys?.existingKey(for: ada.id) == nil)
        for (name, backup) in [("before", before), ("after", after)] {
            let target = directory + "/restored-\(name)"
            _ = try SQLiteStore.restore(backup: backup, into: target, keys: try #require(store.keys))
            try FileManager.default.copyItem(atPath: directory + "/keys.sqlite", toPath: target + "/keys.sqlite")
            let copy = try SQLiteStore(directory: target, durability: .normal, masterKey: Array(repeating: 9, count: 32))
            #expect(try await copy.account(email: colleague.email) != nil, "\(name)")
            #expect(try await copy.account(id: ada.id) == nil, "\(name)")
        }
        // A restore into a directory that already has a database is refused and leaves it as it was.
        #expect(throws: StewardError.self) { try SQLiteStore.restore(backup: after, into: directory + "/restored-after", keys: store.keys!) }
    }

    @Test func whetherAKeyIsSensitiveDependsOnTheDeviceProfileInTheSameCommit() async throws {
        let wearable = DeviceProfile(tenantID: ownTenant, name: "wearable", createdTime: 1)
        try await store.createProfile(wearable)
        let band = Device(tenantID: ownTenant, profileID: wearable.id, name: "Ada's band", accessToken: "token-band", createdTime: 1)
        try await store.createDevice(band)
        try await store.append([
            classified(TelemetryBatch(device: ownDevice.id, entries: [TimedValues(ts: 1_900_000_000_000, values: [KeyValue("temperature", .long(19))])])),
            classified(TelemetryBatch(device: band.id, entries: [TimedValues(ts: 1_900_000_000_000, values: [KeyValue("temperature", .long(37))])]), profile: "wearable"),
        ])
        let types = try await store.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT d.name, r.t FROM ts_kv r JOIN device d ON d.seq = r.device_seq WHERE r.ts = 1900000000000")
                .reduce(into: [String: Int64]()) { $0[$1["name"]] = $1["t"] }
        }
        #expect(types["Ada's tracker"] == 2)  // a room thermometer: not sensitive
        #expect(types["Ada's band"] == 102)  // body temperature on a wearable: health, sealed
        #expect(try await store.latest(tenant: ownTenant, device: band.id, keys: ["temperature"])["temperature"]?.value == .long(37))
    }
}
