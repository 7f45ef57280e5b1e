import Foundation
import StewardCore
import StewardStore
import Testing

extension StoreContract {
    // MARK: - AttributeStore

    public static func attributesSaveReadFilterOverwriteAndDelete(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let f = try await fixture(s)
            let a = s.attributes
            try await a.saveAttributes(
                tenant: f.tenant.id, device: f.device.id, scope: .client, values: [KeyValue("b", .string("x")), KeyValue("a", .long(1))], ts: 10)
            #expect(
                try await a.attributes(tenant: f.tenant.id, device: f.device.id, scope: .client, keys: nil)
                    == [AttributeEntry(key: "a", value: .long(1), lastUpdateTs: 10), AttributeEntry(key: "b", value: .string("x"), lastUpdateTs: 10)])
            #expect(
                try await a.attributes(tenant: f.tenant.id, device: f.device.id, scope: .client, keys: ["b", "zz"])
                    == [AttributeEntry(key: "b", value: .string("x"), lastUpdateTs: 10)])
            #expect(try await a.attributes(tenant: f.tenant.id, device: f.device.id, scope: .client, keys: []) == [])
            try await a.saveAttributes(tenant: f.tenant.id, device: f.device.id, scope: .client, values: [KeyValue("a", .bool(false))], ts: 20)
            #expect(
                try await a.attributes(tenant: f.tenant.id, device: f.device.id, scope: .client, keys: nil)
                    == [AttributeEntry(key: "a", value: .bool(false), lastUpdateTs: 20), AttributeEntry(key: "b", value: .string("x"), lastUpdateTs: 10)])
            // Attributes are not telemetry.
            #expect(try await s.telemetry.timeSeriesKeys(tenant: f.tenant.id, device: f.device.id) == [])

            for (n, scope) in AttributeScope.allCases.enumerated() {
                try await a.saveAttributes(tenant: f.tenant.id, device: f.device.id, scope: scope, values: [KeyValue("k", .long(Int64(n)))], ts: 1)
            }
            for (n, scope) in AttributeScope.allCases.enumerated() {
                let entries = try await a.attributes(tenant: f.tenant.id, device: f.device.id, scope: scope, keys: ["k"])
                #expect(entries == [AttributeEntry(key: "k", value: .long(Int64(n)), lastUpdateTs: 1)])
            }

            try await a.saveAttributes(
                tenant: f.tenant.id, device: f.device.id, scope: .shared, values: [KeyValue("a", .long(1)), KeyValue("b", .long(2))], ts: 1)
            try await a.saveAttributes(tenant: f.tenant.id, device: f.device.id, scope: .server, values: [KeyValue("a", .long(3))], ts: 1)
            #expect(try await a.deleteAttributes(tenant: f.tenant.id, device: f.device.id, scope: .shared, keys: ["a", "nope"]) == ["a"])
            #expect(try await a.attributes(tenant: f.tenant.id, device: f.device.id, scope: .shared, keys: nil).map(\.key) == ["b", "k"])
            #expect(try await a.attributes(tenant: f.tenant.id, device: f.device.id, scope: .server, keys: nil).map(\.key) == ["a", "k"])
            #expect(try await a.deleteAttributes(tenant: f.tenant.id, device: f.device.id, scope: .shared, keys: ["a"]) == [])
        }
    }
}
