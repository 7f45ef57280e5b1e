import Foundation
import StewardCore
import StewardStore
import Testing

/// The contract of `PersonalDataStore`: which devices concern a person, and erasing them in one transaction.
extension StoreContract {
    /// A tenant shared by two people (so it outlives either), the person to erase, and two devices of the tenant.
    struct ErasureFixture {
        let tenant: Tenant
        let person: User
        let colleague: User
        let worn: Device
        let other: Device
    }

    static func erasureFixture(_ s: StoresUnderTest) async throws -> ErasureFixture {
        let tenant = Tenant(name: "Clinic", createdTime: 1)
        try await s.accounts.createTenant(tenant)
        let person = User(tenantID: tenant.id, customerID: nil, email: "patient@example.com", authority: .customerUser, createdTime: 2)
        let colleague = User(tenantID: tenant.id, customerID: nil, email: "nurse@example.com", authority: .tenantAdmin, createdTime: 2)
        try await s.accounts.createUser(person, passwordHash: "x")
        try await s.accounts.createUser(colleague, passwordHash: "x")
        let worn = Device(tenantID: tenant.id, name: "monitor", accessToken: "token-\(UUID().uuidString)", createdTime: 10)
        let other = Device(tenantID: tenant.id, name: "fridge", accessToken: "token-\(UUID().uuidString)", createdTime: 11)
        try await s.devices.createDevice(worn)
        try await s.devices.createDevice(other)
        return ErasureFixture(tenant: tenant, person: person, colleague: colleague, worn: worn, other: other)
    }

    /// The plan the privacy module makes: `power` readings are kept as statistics, everything else is deleted.
    static func erasurePlan(_ f: ErasureFixture) -> ErasurePlan {
        let mapping = TelemetryMapping(
            defaultCategory: "device.telemetry", rules: [TelemetryMapping.Rule(pattern: "power", category: "device.energy")])
        return ErasurePlan(
            user: f.person.id, email: f.person.email, telemetry: mapping, aggregatedCategories: ["device.energy"],
            receipt: ErasureReceiptRecord(id: "receipt-\(UUID().uuidString)", time: 1_000, body: ""),
            receiptWording: ErasureReceiptWording(controller: "Clinic Ltd", policyVersion: "7", requestsKeptFor: "3 years"),
            audit: AuditEvent(
                time: 1_000, tenantID: f.tenant.id, actorID: nil, credential: "contract", subjectID: f.person.id, event: "account.erased"))
    }

    /// Devices concern a person when assigned to them; assigning across tenants is refused as not found.
    public static func devicesConcerningAPersonFollowAssignment(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let f = try await erasureFixture(s)
            #expect(try await s.personalData.devices(concerning: f.person.id).isEmpty)
            try await s.personalData.assignDevice(tenant: f.tenant.id, device: f.worn.id, to: f.person.id)
            let concerning = try await s.personalData.devices(concerning: f.person.id)
            #expect(concerning.map(\.id) == [f.worn.id] && concerning.allSatisfy(\.assigned))
            #expect(try await s.personalData.soleTenant(of: f.person.id) == nil)  // the colleague shares the tenant
            let elsewhere = Tenant(name: "Elsewhere", createdTime: 1)
            try await s.accounts.createTenant(elsewhere)
            await expectStewardError(.notFound) {
                try await s.personalData.assignDevice(tenant: elsewhere.id, device: f.other.id, to: f.person.id)
            }
            try await s.personalData.assignDevice(tenant: f.tenant.id, device: f.worn.id, to: nil)
            #expect(try await s.personalData.devices(concerning: f.person.id).isEmpty)
        }
    }

    /// The erasure works out which devices concern the person inside its own transaction: a device assigned to them
    /// after the plan was made (a colleague assigning a monitor while the person presses "Delete my account") loses its
    /// readings too. Readings of a category kept as statistics are counted as folded; other devices are untouched;
    /// the tenant's devices stay, unassigned; the receipt is written with the counts.
    public static func erasureResolvesDevicesInsideItsTransaction(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let f = try await erasureFixture(s)
            try await write(s, f.worn.id, "heartRate", [(1_000, .long(61)), (2_000, .long(64))])
            try await write(s, f.worn.id, "power", [(1_000, .double(1.5)), (2_000, .long(2)), (3_000, .string("n/a"))])
            try await write(s, f.other.id, "power", [(1_000, .long(7))])
            let plan = erasurePlan(f)
            // Assigned after planning: the plan names no device, so the store must find this one itself.
            try await s.personalData.assignDevice(tenant: f.tenant.id, device: f.worn.id, to: f.person.id)
            let counts = try await s.personalData.erase(plan)
            #expect(counts.deleted["readings"] == 5)
            #expect(counts.deleted["account"] == 1)
            #expect(counts.aggregated == 2)  // the two numeric power readings; the text one is deleted only
            #expect(counts.aggregatedCategories == ["device.energy"])
            #expect(try await s.telemetry.latest(tenant: f.tenant.id, device: f.worn.id, keys: nil).isEmpty)
            #expect(try await s.devices.device(tenant: f.tenant.id, id: f.worn.id) != nil)
            #expect(try await s.personalData.devices(concerning: f.person.id).isEmpty)
            #expect(try await s.telemetry.latest(tenant: f.tenant.id, device: f.other.id, keys: nil)["power"]?.value == .long(7))
            // The receipt is written in the same transaction, in the plan's wording, with the counts.
            let receipt = try #require(try await s.personalData.receipt(id: plan.receipt.id))
            #expect(receipt.time == plan.receipt.time)
            #expect(receipt.body == plan.receiptWording.body(id: plan.receipt.id, time: plan.receipt.time, counts: counts))
            #expect(receipt.body.contains(#"{"what":"readings","rows":5}"#) && receipt.body.contains(#""controller":"Clinic Ltd""#))
            #expect(!receipt.body.contains(f.person.email))
            #expect(try await s.accounts.user(tenant: f.tenant.id, id: f.person.id) == nil)
            #expect(try await s.accounts.user(tenant: f.tenant.id, id: f.colleague.id) != nil)
            // A second erasure of the same person changes nothing and says why.
            await expectStewardError(.notFound) { _ = try await s.personalData.erase(erasurePlan(f)) }
        }
    }
}
