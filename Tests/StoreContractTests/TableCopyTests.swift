import Crypto
import Foundation
import StewardCore
import StewardPostgres
import StewardSQLite
import StewardStore
import StewardTesting
import Synchronization
import Testing

/// `steward db copy` and PostgreSQL backups move every table through `TableCopy`: SQLite → PostgreSQL → SQLite must
/// give back every row as it was, sealed values included, and PostgreSQL must read the copied data as SQLite did.
@Suite(.enabled(if: TestCluster.url != nil || TestCluster.required)) struct TableCopyTests {
    static func temporaryDirectory() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("steward-copy-\(UUID().uuidString)").path
    }

    @Test func sqliteToPostgresToSQLiteKeepsEveryRow() async throws {
        let sourceDirectory = Self.temporaryDirectory()
        let returnDirectory = Self.temporaryDirectory()
        defer {
            try? FileManager.default.removeItem(atPath: sourceDirectory)
            try? FileManager.default.removeItem(atPath: returnDirectory)
        }
        let masterKey = SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
        let source = try SQLiteStore(directory: sourceDirectory, durability: .normal, masterKey: masterKey)
        let keys = try #require(source.keys)

        // A person with a device that concerns them: plain readings, a sealed (sensitive) one, attributes, an audit entry.
        let tenant = Tenant(name: "Home", createdTime: 1)
        try await source.createTenant(tenant)
        let person = User(tenantID: tenant.id, customerID: nil, email: "Ada@Example.com", authority: .tenantAdmin, createdTime: 2)
        try await source.createUser(person, passwordHash: "hash")
        var device = Device(tenantID: tenant.id, name: "tracker", accessToken: "copy-\(UUID().uuidString)", createdTime: 3)
        device.isGateway = true
        try await source.createDevice(device)
        try await source.assignDevice(tenant: tenant.id, device: device.id, to: person.id)
        try await source.append([
            TelemetryBatch(
                tenant: tenant.id, device: device.id,
                entries: [
                    TimedValues(ts: 1_000, values: [KeyValue("temp", .double(21.5)), KeyValue("lat", .double(52.52)), KeyValue("note", .string("007"))]),
                    TimedValues(ts: 2_000, values: [KeyValue("temp", .long(22)), KeyValue("on", .bool(true)), KeyValue("cfg", .json(#"{"a":1}"#))]),
                ], sensitiveKeys: ["lat"])
        ])
        try await source.saveAttributes(
            tenant: tenant.id, device: device.id, scope: .client, values: [KeyValue("fw", .string("1.2")), KeyValue("lon", .double(13.4))],
            ts: 5, sensitiveKeys: ["lon"])
        try await source.apply([
            .audit(AuditEvent(time: 10, tenantID: tenant.id, actorID: person.id, credential: "test", subjectID: person.id, event: "test.copied"))
        ])

        // Into PostgreSQL, with the same key store.
        let (location, drop) = try await TestCluster.freshDatabase()
        let database = try PostgresDatabase(location: location, maximumConnections: 4, callTimeout: .seconds(30))
        database.start()
        let postgres = try await PostgresStore.open(database: database, keys: keys)
        do {
            let copied = try await TableCopy(source: source, target: postgres).run()
            #expect(copied["ts_kv"] == 6 && copied["user"] == 1 && copied["attribute_kv"] == 2 && copied["audit_log"] == 1)

            // PostgreSQL reads what SQLite held: the account by address in any case, readings (the sealed one opened), attributes.
            #expect(try await postgres.credentials(email: "ada@example.COM")?.user.id == person.id)
            let latest = try await postgres.latest(tenant: tenant.id, device: device.id, keys: nil)
            #expect(latest["lat"]?.value == .double(52.52) && latest["temp"]?.value == .long(22) && latest["note"]?.value == .string("007"))
            #expect(latest["on"]?.value == .bool(true) && latest["cfg"]?.value == .json(#"{"a":1}"#))
            let attributes = try await postgres.attributes(tenant: tenant.id, device: device.id, scope: .client, keys: nil)
            #expect(Set(attributes.map { $0.key }) == ["fw", "lon"])
            #expect(attributes.first { $0.key == "lon" }?.value == .double(13.4))
            #expect(try await postgres.device(tenant: tenant.id, id: device.id)?.isGateway == true)
            #expect(try await postgres.verifyAuditChain() == .intact(entries: 1))

            // A target that holds data is refused.
            await #expect(throws: StewardError.self) { try await TableCopy(source: source, target: postgres).run() }

            // And back into a new SQLite file: every row of every table as it was.
            let returned = try SQLiteStore(directory: returnDirectory, durability: .normal)
            try await TableCopy(source: postgres, target: returned).run()
            for table in TableCopy.tables {
                let before = try await Self.rows(source, table)
                let after = try await Self.rows(returned, table)
                #expect(before == after, "table \(table) changed on its way through PostgreSQL")
            }
        } catch {
            await postgres.close()
            try? await drop()
            throw error
        }
        await postgres.close()
        try await drop()
    }

    /// A table's rows in a stable order.
    static func rows(_ store: any TableRowSource, _ table: String) async throws -> [String] {
        let collected = Collected()
        try await store.scanRows(table, pageSize: 3) { rows in
            collected.add(rows.map { row in row.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "|") })
        }
        return collected.all.sorted()
    }
}

final class Collected: Sendable {
    private let rows = Mutex<[String]>([])
    func add(_ more: [String]) { rows.withLock { $0 += more } }
    var all: [String] { rows.withLock { $0 } }
}
