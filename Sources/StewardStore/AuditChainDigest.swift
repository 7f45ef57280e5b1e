import Crypto
import Foundation
import StewardCore

/// The audit trail's hash chain, the part every backend shares: each entry's hash covers its own fields and the
/// previous entry's hash, so editing an entry changes its hash, and removing one breaks the link of the next (or, at
/// the end, leaves the backend's recorded highest sequence ahead of the last entry). With a key (kept in a file
/// outside the database) the hash is an HMAC, so someone who can write the database but not read the key cannot
/// recompute the chain after an edit.
///
/// Backends keep only the storage: appending (read the head, insert, advance it) and handing the rows over in
/// sequence order. Both compute the same hashes, so a chain copied from one backend to the other still verifies.
public enum AuditChainDigest {
    /// The `previous` hash of the first entry.
    public static let genesis = String(repeating: "0", count: 64)

    /// SHA-256 (HMAC-SHA256 with a key) over the sequence number, every field (length-prefixed, so no two different
    /// entries share an encoding) and the previous hash, as lower-case hex.
    ///
    /// Version 2 (every entry appended since retention was built) covers the address's network instead of the
    /// address (`AddressNetwork.of`, which leaves a network as it is), so retention can cut the address to its network
    /// after its period and the entry still verifies; the version is part of what is hashed.
    public static func digest(sequence: Int64, event: AuditEvent, previous: String, key: [UInt8]?, version: Int = 1) -> String {
        var text = version == 1 ? "\(sequence)" : "v\(version)|\(sequence)"
        let ip = version == 1 ? event.ip : event.ip.map(AddressNetwork.of)
        let fields: [String?] = [
            String(event.time), event.tenantID?.description, event.actorID?.description, event.credential,
            event.subjectID?.description, event.event, event.detail, ip, previous,
        ]
        for field in fields {
            if let field { text += "|\(field.utf8.count):\(field)" } else { text += "|-" }
        }
        if let key {
            return HMAC<SHA256>.authenticationCode(for: Array(text.utf8), using: SymmetricKey(data: key))
                .map { String(format: "%02x", $0) }.joined()
        }
        return SHA256.hash(data: Array(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// The verification walk: fed the stored entries in sequence order, it stops at the first one that is missing,
    /// relinked or changed; `finish` then compares the end with the highest sequence the backend ever assigned.
    /// The digest version new entries get.
    public static let currentVersion = 2

    public struct Walk: Sendable {
        let key: [UInt8]?
        let anchor: AuditAnchor?
        var expectedSequence: Int64
        var previous: String
        var count = 0
        /// Whether an entry walked so far vouches for the anchor.
        var anchorProven: Bool

        /// A walk from the start of the trail, or, for a pruned trail, from just after `anchor`.
        public init(key: [UInt8]?, anchor: AuditAnchor? = nil) {
            self.key = key
            self.anchor = anchor
            expectedSequence = (anchor?.sequence ?? 0) + 1
            previous = anchor?.hash ?? AuditChainDigest.genesis
            anchorProven = anchor == nil
        }

        /// Checks the next entry; a non-nil answer is the verdict, and the walk stops there.
        public mutating func next(_ entry: AuditEntry) -> AuditVerification? {
            if entry.sequence != expectedSequence { return .removed(sequence: expectedSequence) }
            if entry.previousHash != previous { return .relinked(sequence: entry.sequence) }
            if entry.version != 1 && entry.version != AuditChainDigest.currentVersion {
                return .changed(sequence: entry.sequence)
            }
            if AuditChainDigest.digest(
                sequence: entry.sequence, event: entry.event, previous: entry.previousHash, key: key, version: entry.version)
                != entry.hash
            {
                return .changed(sequence: entry.sequence)
            }
            if let anchor, entry.event.event == AuditAnchor.prunedEvent, entry.event.detail.hasSuffix(anchor.proof) {
                anchorProven = true
            }
            previous = entry.hash
            expectedSequence += 1
            count += 1
            return nil
        }

        /// The verdict after the last entry: `highest` is the highest sequence ever assigned (a removed tail leaves
        /// it ahead of the last entry).
        public func finish(highest: Int64) -> AuditVerification {
            if highest >= expectedSequence { return .removed(sequence: expectedSequence) }
            if let anchor, !anchorProven { return .anchorUnproven(sequence: anchor.sequence) }
            return .intact(entries: count)
        }
    }

    /// The whole walk over `entries` in sequence order.
    public static func verify(
        _ entries: some Sequence<AuditEntry>, highest: Int64, key: [UInt8]?, anchor: AuditAnchor? = nil
    ) -> AuditVerification {
        var walk = Walk(key: key, anchor: anchor)
        for entry in entries {
            if let verdict = walk.next(entry) { return verdict }
        }
        return walk.finish(highest: highest)
    }
}
