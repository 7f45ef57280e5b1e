import Foundation
import StewardCore
import StewardStore
import Testing

/// More of `PersonalDataStore`'s contract, written when the PostgreSQL backend was built: sensitive readings and
/// attributes (sealed where the backend has keys) are read back opened and folded into statistics on erasure;
/// statistics of a second erasure on the same day add to the first; the receipt stays readable after the person and
/// their workspace are gone; the clean-up after an erasure runs.
extension StoreContract {
    public static func erasureFoldsSensitiveReadingsAndLeavesAReceipt(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let f = try await erasureFixture(s)
            // Assigned first, so the sensitive readings are sealed with the person's key where the backend seals.
            try await s.personalData.assignDevice(tenant: f.tenant.id, device: f.worn.id, to: f.person.id)
            try await s.writer.write(
                TelemetryBatch(
                    device: f.worn.id,
                    entries: [
                        TimedValues(ts: 1_000, values: [KeyValue("power", .long(3)), KeyValue("heartRate", .long(60))]),
                        TimedValues(ts: 2_000, values: [KeyValue("power", .double(4.5))]),
                        TimedValues(ts: 3_000, values: [KeyValue("power", .string("n/a"))]),
                        TimedValues(ts: 86_400_000 + 5, values: [KeyValue("power", .long(-2))]),
                    ],
                    sensitiveKeys: ["power"]))
            try await s.attributes.saveAttributes(
                tenant: f.tenant.id, device: f.worn.id, scope: .shared, values: [KeyValue("diagnosis", .string("flu")), KeyValue("bed", .long(4))],
                ts: 20, sensitiveKeys: ["diagnosis"])
            let worn = try #require(try await s.personalData.devices(concerning: f.person.id).first).seq

            // Sensitive readings and attributes read back opened, in key and time order.
            let page = try await s.personalData.readings(device: worn, after: nil, limit: 100)
            #expect(page.next == nil)
            let power = page.readings.filter { $0.key == "power" }
            #expect(power.map(\.ts) == [1_000, 2_000, 3_000, 86_400_005])
            #expect(power.map(\.value) == [.long(3), .double(4.5), .string("n/a"), .long(-2)])
            #expect(page.readings.filter { $0.key == "heartRate" }.map(\.value) == [.long(60)])
            #expect(try await s.personalData.readingCounts(device: worn) == ["power": 4, "heartRate": 1])
            #expect(try await s.personalData.telemetryKeys(device: worn) == ["heartRate", "power"])
            #expect(
                try await s.personalData.attributeRows(device: worn) == [
                    [.string("SHARED_SCOPE"), .string("bed"), .number("20"), .string("4")],
                    [.string("SHARED_SCOPE"), .string("diagnosis"), .number("20"), .string("flu")],
                ])

            let plan = erasurePlan(f)
            let counts = try await s.personalData.erase(plan)
            #expect(counts.aggregated == 3)  // the three numeric power readings, over two days; the text one is not
            #expect(counts.aggregatedCategories == ["device.energy"])
            #expect(counts.deleted["readings"] == 5)
            #expect(counts.deleted["latest readings"] == 2)
            #expect(counts.deleted["device attributes"] == 2)
            #expect(counts.deleted["organisation"] == nil)  // the colleague keeps the workspace
            #expect(try await s.personalData.readingCount(devices: [worn]) == 0)
            #expect(try await s.personalData.attributeRows(device: worn).isEmpty)
            #expect(try await s.personalData.telemetryKeys(device: worn).isEmpty)
            let receipt = try #require(try await s.personalData.receipt(id: plan.receipt.id))
            #expect(receipt == ErasureReceiptRecord(
                id: plan.receipt.id, time: plan.receipt.time,
                body: plan.receiptWording.body(id: plan.receipt.id, time: plan.receipt.time, counts: counts)))
            try await s.personalData.purgeErasedRemnants()

            // The colleague is now alone in the workspace: erasing them takes it and both devices, and their power
            // reading of the same day adds to the statistics the first erasure made.
            try await write(s, f.other.id, "power", [(1_500, .long(7))])
            #expect(try await s.personalData.soleTenant(of: f.colleague.id) == f.tenant.id)
            let second = ErasurePlan(
                user: f.colleague.id, email: f.colleague.email, telemetry: plan.telemetry, aggregatedCategories: plan.aggregatedCategories,
                receipt: ErasureReceiptRecord(id: "receipt-\(UUID().uuidString)", time: 2_000, body: ""),
                receiptWording: plan.receiptWording, audit: plan.audit)
            let secondCounts = try await s.personalData.erase(second)
            #expect(secondCounts.aggregated == 1)
            #expect(secondCounts.deleted["devices"] == 2 && secondCounts.deleted["organisation"] == 1)
            #expect(secondCounts.deleted["readings"] == 1)
            #expect(try await s.devices.device(tenant: f.tenant.id, id: f.worn.id) == nil)
            try await s.personalData.purgeErasedRemnants()
            // Both receipts outlive everyone they are about; an unknown id has none.
            #expect(try await s.personalData.receipt(id: plan.receipt.id) == receipt)
            #expect(try await s.personalData.receipt(id: second.receipt.id)?.time == 2_000)
            #expect(try await s.personalData.receipt(id: "receipt-unknown") == nil)
            await expectStewardError(.notFound) { try await s.personalData.assignDevice(tenant: f.tenant.id, device: f.worn.id, to: nil) }
        }
    }
}
