import Foundation
import StewardCore
import StewardStore
import Testing

/// The contract of `IdentityStore` where a backend with parallel writers could go wrong: the audit chain appended
/// from many transactions at once, some of them rolled back.
extension StoreContract {
    /// Twenty `apply` calls racing, each appending one audit entry and every fifth failing after its entry (an unknown
    /// token), form one unbroken chain of the sixteen that committed: sequences 1…16 without a gap (a rolled-back
    /// append takes no number), each entry linked to the one before, each hash the shared digest of its fields (so a
    /// chain copied to another backend verifies), and the chain verifies as intact with sixteen entries.
    public static func concurrentAuditAppendsFormOneChain(_ backend: StoreBackend) async throws {
        try await backend.run { s in
            let identity = s.identity
            let outcomes = try await withThrowingTaskGroup(of: (Int, Bool).self) { group in
                for index in 0..<20 {
                    group.addTask {
                        let event = AuditEvent(
                            time: 1_000 + Int64(index), tenantID: nil, actorID: nil, credential: "race:\(index)", subjectID: nil,
                            event: "race.\(index)", detail: "entry \(index)", ip: "192.0.2.\(index)")
                        var changes: [IdentityChange] = [.audit(event)]
                        if index.isMultiple(of: 5) {
                            changes.append(.consumeToken(hash: "no-such-token-\(index)", purpose: .resetPassword, at: 1))
                        }
                        do {
                            try await identity.apply(changes)
                            return (index, true)
                        } catch let error as StewardError where error.kind == .conflict {
                            return (index, false)
                        }
                    }
                }
                var outcomes: [Int: Bool] = [:]
                for try await (index, committed) in group { outcomes[index] = committed }
                return outcomes
            }
            let committed = Set(outcomes.filter(\.value).keys)
            #expect(committed == Set((0..<20).filter { !$0.isMultiple(of: 5) }))

            #expect(try await identity.verifyAuditChain() == .intact(entries: 16))
            let entries = try await identity.auditEntries(tenant: nil, subject: nil, event: nil, limit: 100)
            #expect(entries.map(\.sequence) == Array((1...16).reversed()))
            #expect(Set(entries.map(\.event.event)) == Set(committed.map { "race.\($0)" }))
            #expect(entries.last?.previousHash == AuditChainDigest.genesis)
            #expect(zip(entries, entries.dropFirst()).allSatisfy { newer, older in newer.previousHash == older.hash })
            for entry in entries {
                #expect(entry.hash == AuditChainDigest.digest(sequence: entry.sequence, event: entry.event, previous: entry.previousHash, key: nil, version: entry.version))
            }

            // Appends after the race continue the same chain.
            try await identity.apply([.audit(AuditEvent(time: 2_000, tenantID: nil, actorID: nil, credential: nil, subjectID: nil, event: "after"))])
            #expect(try await identity.verifyAuditChain() == .intact(entries: 17))
            #expect(try await identity.auditEntries(tenant: nil, subject: nil, event: "after", limit: 1).first?.sequence == 17)
        }
    }
}
