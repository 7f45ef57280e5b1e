import Foundation
import StewardCore
import StewardStore

// UNBUILT: placeholders until the PostgreSQL request reads is written; every one fails loudly.
extension PostgresStore {
    public func requests(tenant: TenantID?) async throws -> [RequestRecord] { throw Unbuilt.error(#function) }
    public func request(id: String) async throws -> RequestRecord? { throw Unbuilt.error(#function) }
    public func request(verificationHash: String) async throws -> RequestRecord? { throw Unbuilt.error(#function) }
    public func requests(email: String) async throws -> [RequestRecord] { throw Unbuilt.error(#function) }
    public func requests(user: UserID) async throws -> [RequestRecord] { throw Unbuilt.error(#function) }
    public func complaints(tenant: TenantID?) async throws -> [ComplaintRecord] { throw Unbuilt.error(#function) }
    public func complaintCount(email: String, since: Int64) async throws -> Int { throw Unbuilt.error(#function) }
    public func disclosures(of user: UserID) async throws -> [DisclosureRecord] { throw Unbuilt.error(#function) }
    public func disclosures(tenant: TenantID?) async throws -> [DisclosureRecord] { throw Unbuilt.error(#function) }
}
