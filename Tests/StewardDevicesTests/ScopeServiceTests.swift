import Foundation
import StewardCore
import StewardSQLite
import StewardStore
import Testing

@testable import StewardDevices

/// Two tenants, customers, users of every role and a few devices and audit entries, in a real SQLite store.
struct ScopeFixture {
    let directory: String
    let store: SQLiteStore
    let scopes: ScopeService
    let acme = Tenant(name: "Acme", createdTime: 1)
    let other = Tenant(name: "Other", createdTime: 2)
    let flat1: Customer
    let flat2: Customer
    let admin: User
    let resident: User
    let stranger: User
    let system: User
    let inFlat1: Device
    let inFlat2: Device
    let unassigned: Device
    let elsewhere: Device

    init() async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("steward-scope-\(UUID().uuidString)").path
        store = try SQLiteStore(directory: directory, durability: .normal, auditKey: Array(repeating: 7, count: 32))
        scopes = ScopeService(devices: store, accounts: store, identity: store)
        try await store.createTenant(acme)
        try await store.createTenant(other)
        flat1 = Customer(tenantID: acme.id, name: "Flat 1", createdTime: 3)
        flat2 = Customer(tenantID: acme.id, name: "Flat 2", createdTime: 3)
        try await store.createCustomer(flat1)
        try await store.createCustomer(flat2)
        admin = User(tenantID: acme.id, customerID: nil, email: "admin@acme.test", authority: .tenantAdmin, createdTime: 4)
        resident = User(tenantID: acme.id, customerID: flat1.id, email: "resident@acme.test", authority: .customerUser, createdTime: 4)
        stranger = User(tenantID: other.id, customerID: nil, email: "admin@other.test", authority: .tenantAdmin, createdTime: 4)
        system = User(tenantID: nil, customerID: nil, email: "root@steward.test", authority: .systemAdmin, createdTime: 4)
        for user in [admin, resident, stranger, system] { try await store.createUser(user, passwordHash: "x") }
        inFlat1 = Device(tenantID: acme.id, customerID: flat1.id, name: "boiler", accessToken: "t-1", createdTime: 5)
        inFlat2 = Device(tenantID: acme.id, customerID: flat2.id, name: "meter", accessToken: "t-2", createdTime: 6)
        unassigned = Device(tenantID: acme.id, name: "gate", accessToken: "t-3", createdTime: 7)
        elsewhere = Device(tenantID: other.id, name: "boiler", accessToken: "t-4", createdTime: 8)
        for device in [inFlat1, inFlat2, unassigned, elsewhere] { try await store.createDevice(device) }
        try await store.apply([
            .audit(AuditEvent(time: 10, tenantID: acme.id, actorID: admin.id, credential: nil, subjectID: resident.id, event: "acme.event")),
            .audit(AuditEvent(time: 11, tenantID: other.id, actorID: stranger.id, credential: nil, subjectID: stranger.id, event: "other.event")),
        ])
    }

    func scope(_ user: User) -> Scope {
        Scope(user: user.id, authority: user.authority, tenant: user.tenantID, customer: user.customerID)
    }

    func remove() { try? FileManager.default.removeItem(atPath: directory) }
}

@Suite struct ScopeServiceTests {
    @Test func aCustomerUserSeesOnlyTheirCustomersDevices() async throws {
        let f = try await ScopeFixture()
        defer { f.remove() }
        let resident = f.scope(f.resident)
        #expect(try await f.scopes.device(resident, id: f.inFlat1.id.description).id == f.inFlat1.id)
        for hidden in [f.inFlat2, f.unassigned, f.elsewhere] {
            await #expect(throws: StewardError.notFound("Device with id [\(hidden.id)] is not found")) {
                try await f.scopes.device(resident, id: hidden.id.description)
            }
        }
        let page = try await f.scopes.devices(resident, textSearch: nil, limit: 10, offset: 0)
        #expect(page.devices.map(\.id) == [f.inFlat1.id])
        #expect(page.total == 1)
        await #expect(throws: StewardError.notFound("Customer is not found")) {
            try await f.scopes.devices(resident, customer: f.flat2.id, textSearch: nil, limit: 10, offset: 0)
        }
        #expect(try await f.scopes.device(resident, named: "meter") == nil)
    }

    @Test func aTenantAdministratorSeesTheWholeTenantAndNothingElse() async throws {
        let f = try await ScopeFixture()
        defer { f.remove() }
        let admin = f.scope(f.admin)
        let all = try await f.scopes.devices(admin, textSearch: nil, limit: 10, offset: 0)
        #expect(Set(all.devices.map(\.id)) == [f.inFlat1.id, f.inFlat2.id, f.unassigned.id])
        #expect(try await f.scopes.devices(admin, customer: f.flat2.id, textSearch: nil, limit: 10, offset: 0).devices.map(\.id) == [f.inFlat2.id])
        await #expect(throws: StewardError.self) { try await f.scopes.device(admin, id: f.elsewhere.id.description) }
        #expect(try await f.scopes.device(admin, named: "boiler")?.id == f.inFlat1.id)
        await #expect(throws: StewardError.notFound("Device with id [not-a-uuid] is not found")) {
            try await f.scopes.device(admin, id: "not-a-uuid")
        }
    }

    @Test func theSystemAdministratorOwnsNoDevices() async throws {
        let f = try await ScopeFixture()
        defer { f.remove() }
        let system = f.scope(f.system)
        await #expect(throws: ScopeService.forbidden) { try await f.scopes.device(system, id: f.inFlat1.id.description) }
        await #expect(throws: ScopeService.forbidden) { try await f.scopes.devices(system, textSearch: nil, limit: 10, offset: 0) }
    }

    @Test func usersAreSeenByTheirTenantsAdministratorAndThemselves() async throws {
        let f = try await ScopeFixture()
        defer { f.remove() }
        #expect(try await f.scopes.user(f.scope(f.admin), id: f.resident.id).id == f.resident.id)
        #expect(try await f.scopes.user(f.scope(f.resident), id: f.resident.id).id == f.resident.id)
        #expect(try await f.scopes.user(f.scope(f.system), id: f.stranger.id).id == f.stranger.id)
        await #expect(throws: StewardError.notFound("User is not found")) { try await f.scopes.user(f.scope(f.resident), id: f.admin.id) }
        await #expect(throws: StewardError.notFound("User is not found")) { try await f.scopes.user(f.scope(f.stranger), id: f.resident.id) }
        #expect(Set(try await f.scopes.users(f.scope(f.admin)).map(\.id)) == [f.admin.id, f.resident.id])
        await #expect(throws: ScopeService.forbidden) { try await f.scopes.users(f.scope(f.resident)) }
    }

    @Test func theAuditTrailFollowsTheSameScope() async throws {
        let f = try await ScopeFixture()
        defer { f.remove() }
        #expect(try await f.scopes.auditEntries(f.scope(f.admin), event: nil, limit: 10).map(\.event.event) == ["acme.event"])
        #expect(try await f.scopes.auditEntries(f.scope(f.stranger), event: nil, limit: 10).map(\.event.event) == ["other.event"])
        #expect(Set(try await f.scopes.auditEntries(f.scope(f.system), event: nil, limit: 10).map(\.event.event)) == ["acme.event", "other.event"])
        await #expect(throws: ScopeService.forbidden) { try await f.scopes.auditEntries(f.scope(f.resident), event: nil, limit: 10) }
        #expect(try await f.scopes.ownAuditEntries(f.scope(f.resident), limit: 10).map(\.event.event) == ["acme.event"])
    }
}
