import Foundation
import StewardCore
import StewardStore
import Testing

/// The contract of `PersonalDataStore`'s reads: the records held about a person, page by page, and their devices'
/// readings and attributes as the access report and the export read them.
extension StoreContract {
    /// The values of one column of a table, by the column's name.
    static func column(_ name: String, of table: PersonalTable) -> [JSONValue] {
        guard let index = table.columns.firstIndex(of: name) else {
            Issue.record("\(table.name) has no column \(name); it has \(table.columns)")
            return []
        }
        return table.rows.map { $0[index] }
    }

    /// The kinds of record are the ones the export catalog describes; each kind is paged oldest first after a cursor,
    /// `next` is nil on the last page, and the pages together are every record of the person (sign-ins by their
    /// account or their address in any case, never another person's); the newest records come oldest first with the
    /// total; every kind can be read for anyone; an unknown person is `notFound`.
    public static func personalRecordsPageOldestFirst(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let alice = try await account(s, email: "alice@example.com")
            let bob = try await account(s, email: "bob@example.com")
            try await s.identity.apply([
                .recordSignIn(signIn(1_000, "alice@example.com", alice.id, .wrongPassword)),
                .recordSignIn(signIn(1_050, "bob@example.com", bob.id, .success)),
                .recordSignIn(signIn(1_100, "ALICE@example.com", nil, .unknownAccount)),
                .recordSignIn(signIn(1_200, "alice@example.com", alice.id, .success)),
                .recordSignIn(signIn(1_300, "alice@example.com", alice.id, .success)),
                .recordSignIn(signIn(1_400, "alice@example.com", alice.id, .wrongFactor)),
            ])

            var times: [JSONValue] = []
            var cursor: Int64? = nil
            var pages = 0
            repeat {
                let page = try await s.personalData.personalRecords(.signIns, of: alice.id, after: cursor, limit: 2)
                #expect(page.table.name == "sign_ins")
                #expect(page.table.rows.count <= 2)
                times += column("time", of: page.table)
                cursor = page.next
                pages += 1
            } while cursor != nil && pages < 10
            #expect(pages == 3)
            #expect(times == [1_000, 1_100, 1_200, 1_300, 1_400].map { JSONValue.number("\($0)") })
            #expect(try await s.personalData.personalRecords(.signIns, of: bob.id, after: nil, limit: 10).table.rows.count == 1)

            let newest = try await s.personalData.newestPersonalRecords(.signIns, of: alice.id, limit: 2)
            #expect(newest.total == 5)
            #expect(column("time", of: newest.table) == [.number("1300"), .number("1400")])

            let profile = try await s.personalData.personalRecords(.profile, of: alice.id, after: nil, limit: 10)
            #expect(profile.table.rows.count == 1 && profile.next == nil)
            #expect(column("email", of: profile.table) == [.string("alice@example.com")])

            try await s.identity.apply([
                .recordConsent(
                    ConsentRecord(
                        subject: ConsentRecord.subject(alice.id), purpose: "marketing", state: .given, policyVersion: "1", noticeHash: "n",
                        method: .form, time: 1_000, client: "c", networkPrefix: "198.51.100.0/24"))
            ])
            #expect(try await s.personalData.newestPersonalRecords(.consents, of: alice.id, limit: 10).total == 1)
            #expect(try await s.personalData.newestPersonalRecords(.consents, of: bob.id, limit: 10).total == 0)

            // Every kind can be read for every person (the export reads all of them), even when there is nothing.
            for kind in PersonalRecordKind.allCases {
                let page = try await s.personalData.personalRecords(kind, of: bob.id, after: nil, limit: 10)
                #expect(page.table.name == kind.rawValue && !page.table.columns.isEmpty, "\(kind)")
            }
            await expectStewardError(.notFound) { _ = try await s.personalData.personalRecords(.signIns, of: UserID(), after: nil, limit: 10) }
            await expectStewardError(.notFound) { _ = try await s.personalData.newestPersonalRecords(.profile, of: UserID(), limit: 10) }
        }
    }

    /// A device's readings are paged by (key, time) after a cursor: each key's readings together in time order, every
    /// reading exactly once, `next` the position of the page's last reading and nil on the last page; readings are
    /// counted over devices and per key, the keys listed by name, and attributes read as (scope, key, last update,
    /// value) rows by scope and key.
    public static func readingsPageByKeyAndTimeAndAreCounted(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let f = try await erasureFixture(s)
            try await s.personalData.assignDevice(tenant: f.tenant.id, device: f.worn.id, to: f.person.id)
            try await s.personalData.assignDevice(tenant: f.tenant.id, device: f.other.id, to: f.colleague.id)
            let worn = try #require(try await s.personalData.devices(concerning: f.person.id).first).seq
            let other = try #require(try await s.personalData.devices(concerning: f.colleague.id).first).seq
            #expect(worn != other)
            try await write(s, f.worn.id, "temp", [(3, .long(30)), (1, .long(10)), (2, .double(2.5))])
            try await write(s, f.worn.id, "hum", [(5, .string("high")), (2, .bool(true))])
            try await write(s, f.other.id, "temp", [(1, .long(99))])

            var readings: [StoredReading] = []
            var cursor: (keyID: Int64, ts: Int64)? = nil
            var pages = 0
            repeat {
                let page = try await s.personalData.readings(device: worn, after: cursor, limit: 2)
                #expect(page.readings.count <= 2)
                if let next = page.next, let last = page.readings.last {
                    #expect(next.keyID == last.keyID && next.ts == last.ts)
                }
                readings += page.readings
                cursor = page.next
                pages += 1
            } while cursor != nil && pages < 10
            #expect(pages == 3)
            let byKey = Dictionary(grouping: readings, by: \.key)
            #expect(byKey["temp"]?.map(\.ts) == [1, 2, 3])
            #expect(byKey["temp"]?.map(\.value) == [.long(10), .double(2.5), .long(30)])
            #expect(byKey["hum"]?.map(\.ts) == [2, 5])
            #expect(byKey["hum"]?.map(\.value) == [.bool(true), .string("high")])
            #expect(byKey.count == 2)
            // One key after the other, each under one key id.
            let keyOrder = readings.map(\.key).reduce(into: [String]()) { order, key in if order.last != key { order.append(key) } }
            #expect(keyOrder.count == 2)
            #expect(byKey.values.allSatisfy { Set($0.map(\.keyID)).count == 1 })
            #expect(Set(byKey.values.map { $0[0].keyID }).count == 2)

            #expect(try await s.personalData.readingCount(devices: [worn]) == 5)
            #expect(try await s.personalData.readingCount(devices: [worn, other]) == 6)
            #expect(try await s.personalData.readingCount(devices: []) == 0)
            #expect(try await s.personalData.readingCounts(device: worn) == ["temp": 3, "hum": 2])
            #expect(try await s.personalData.readingCounts(device: other) == ["temp": 1])
            #expect(try await s.personalData.telemetryKeys(device: worn) == ["hum", "temp"])
            #expect(try await s.personalData.telemetryKeys(device: other) == ["temp"])

            try await s.attributes.saveAttributes(
                tenant: f.tenant.id, device: f.worn.id, scope: .server, values: [KeyValue("b", .long(5)), KeyValue("a", .string("x"))], ts: 10)
            try await s.attributes.saveAttributes(
                tenant: f.tenant.id, device: f.worn.id, scope: .client, values: [KeyValue("z", .bool(true))], ts: 12)
            #expect(
                try await s.personalData.attributeRows(device: worn) == [
                    [.string("CLIENT_SCOPE"), .string("z"), .number("12"), .string("true")],
                    [.string("SERVER_SCOPE"), .string("a"), .number("10"), .string("x")],
                    [.string("SERVER_SCOPE"), .string("b"), .number("10"), .string("5")],
                ])
            #expect(try await s.personalData.attributeRows(device: other).isEmpty)
            #expect(try await s.personalData.receipt(id: "no-such-receipt") == nil)
        }
    }
}
