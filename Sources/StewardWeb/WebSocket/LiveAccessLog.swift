import StewardAuth
import StewardCore
import StewardDevices
import StewardStore

/// Writes a WebSocket view of a device's sensitive readings to the access log of the person the device concerns, as
/// the console's device page does, unless the viewer is that person or the device concerns nobody in particular.
public struct LiveAccessLog: Sendable {
    let people: any PersonalDataStore
    let accounts: AccountService
    let identity: any IdentityStore

    public init(people: any PersonalDataStore, accounts: AccountService, identity: any IdentityStore) {
        self.people = people
        self.accounts = accounts
        self.identity = identity
    }

    /// `LiveService.ViewLog`.
    public func record(_ scope: Scope, _ device: Device, _ keys: [String], _ what: String) async throws {
        guard let personID = try await people.person(concerning: device.id, tenant: device.tenantID), personID != scope.user,
            let person = try await accounts.user(id: personID)
        else { return }
        let viewer = Principal(
            userID: scope.user, email: "", authority: scope.authority, tenantID: scope.tenant, customerID: scope.customer,
            credential: "websocket")
        try await AccessLog(store: identity).personalDataRead(
            by: viewer, of: person, what: "\(keys.joined(separator: ", ")) of device \(device.name): \(what)", ip: nil)
    }
}
