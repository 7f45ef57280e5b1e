import Foundation
import GRDB
import StewardCore
import StewardStore
import Synchronization

/// Erasing one person in one transaction: either all of it happens or none (promises TB-12, MS-3, TB-5).
extension SQLiteStore {
    public func erase(_ plan: ErasurePlan, receiptBody: @Sendable (ErasureCounts) -> String) async throws -> ErasureCounts {
        let counts = try await pool.write { db -> ErasureCounts in
            let id = plan.user.description
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM user WHERE id = ?", arguments: [id]) != nil else {
                throw StewardError.notFound("No account with id \(id); it may already have been erased")
            }
            var counts = ErasureCounts()
            func delete(_ table: String, _ sql: String, _ arguments: StatementArguments) throws {
                try db.execute(sql: sql, arguments: arguments)
                counts.deleted[table, default: 0] += db.changesCount
            }
            // Readings: fold what the declaration keeps as statistics into daily aggregates without device or
            // person, then delete every reading of every device that concerns the person.
            for device in plan.devices {
                for (key, category) in plan.aggregateKeys.sorted(by: { $0.key < $1.key }) {
                    try db.execute(
                        sql: """
                            INSERT INTO statistic(tenant_id, category, key, day, count, sum, min, max)
                            SELECT ?, ?, k.key, r.ts / 86400000, COUNT(*), SUM(r.pv), MIN(r.pv), MAX(r.pv)
                            FROM (SELECT device_seq, key_id, ts, \(SealedReadings.plainType) AS pt, \(SealedReadings.plainValue) AS pv FROM ts_kv) r
                            JOIN ts_key k ON k.id = r.key_id
                            WHERE r.device_seq = ? AND k.key = ? AND r.pt IN (2, 3) AND r.pv IS NOT NULL
                            GROUP BY r.ts / 86400000
                            ON CONFLICT(tenant_id, category, key, day) DO UPDATE SET
                                count = count + excluded.count, sum = sum + excluded.sum,
                                min = MIN(min, excluded.min), max = MAX(max, excluded.max)
                            """,
                        arguments: [device.tenantID.description, category, device.seq, key])
                    counts.aggregated += try Int.fetchOne(
                        db,
                        sql: """
                            SELECT COUNT(*) FROM ts_kv r JOIN ts_key k ON k.id = r.key_id
                            WHERE r.device_seq = ? AND k.key = ? AND r.t % 100 IN (2, 3)
                            """, arguments: [device.seq, key]) ?? 0
                }
                try delete("readings", "DELETE FROM ts_kv WHERE device_seq = ?", [device.seq])
                try delete("latest readings", "DELETE FROM ts_kv_latest WHERE device_seq = ?", [device.seq])
                try delete("device attributes", "DELETE FROM attribute_kv WHERE device_seq = ?", [device.seq])
                if device.tenantID != plan.tenantToDelete {
                    try self.recordDeviceChange(db, kind: .personErased, device: device.id)
                    // The organisation's device stays, no longer linked to anyone.
                    try db.execute(sql: "UPDATE device SET person_id = NULL WHERE seq = ?", arguments: [device.seq])
                }
            }
            // A shared workspace keeps going, but not under the person's name (sign-up names it "<name> (xxxxxx)").
            if let row = try Row.fetchOne(
                db, sql: "SELECT u.first_name, t.id, t.name FROM user u JOIN tenant t ON t.id = u.tenant_id WHERE u.id = ?", arguments: [id]),
                let first: String = row["first_name"], !first.isEmpty, let tenantName: String = row["name"],
                tenantName.hasPrefix(first + " ("), (row["id"] as String) != plan.tenantToDelete?.description
            {
                try db.execute(
                    sql: "UPDATE tenant SET name = ? WHERE id = ?",
                    arguments: ["Workspace " + tenantName.dropFirst(first.count + 1), row["id"] as String])
                counts.deleted["name in a shared workspace's name", default: 0] += 1
            }
            let emailHash = contactHash(plan.email)
            try delete("sign-in records", "DELETE FROM sign_in WHERE user_id = ? OR email_hash = ?", [id, emailHash])
            try delete("consent ledger entries", "DELETE FROM consent_event WHERE subject = ?", ["user:\(id)"])
            try delete("mail", "DELETE FROM mail_outbox WHERE recipient_hash = ?", [emailHash])
            // Mail about the person to someone else: a parent's consent request names the child.
            for other in plan.otherRecipients {
                try delete(
                    "mail about you to others",
                    """
                    DELETE FROM mail_outbox
                    WHERE recipient_hash = ? AND instr(lower(\(Self.mailText.opened)), lower(?)) > 0
                    """,
                    [contactHash(other), plan.email])
            }
            try delete("sessions", "DELETE FROM session WHERE user_id = ?", [id])
            try delete("API keys", "DELETE FROM api_key WHERE user_id = ?", [id])
            try delete("recovery codes", "DELETE FROM recovery_code WHERE user_id = ?", [id])
            try delete("single-use links", "DELETE FROM one_time_token WHERE user_id = ?", [id])
            try delete("policy agreements", "DELETE FROM policy_agreement WHERE user_id = ?", [id])
            try delete("account", "DELETE FROM user WHERE id = ?", [id])
            if let tenant = plan.tenantToDelete {
                counts.deleted["devices", default: 0] += try Int.fetchOne(
                    db, sql: "SELECT COUNT(*) FROM device WHERE tenant_id = ?", arguments: [tenant.description]) ?? 0
                try self.recordDeviceChanges(
                    db, kind: .deleted, selection: "SELECT id FROM device WHERE tenant_id = ?", arguments: [tenant.description])
                try delete("organisation", "DELETE FROM tenant WHERE id = ?", [tenant.description])
            }
            for change in plan.changes { try self.apply(change, db) }
            counts.kept["requests"] = try Int.fetchOne(
                db, sql: "SELECT COUNT(*) FROM dsr_request WHERE user_id = ?", arguments: [id]) ?? 0
            counts.kept["audit entries"] = try Int.fetchOne(
                db, sql: "SELECT COUNT(*) FROM audit_log WHERE subject_id = ? OR actor_id = ?", arguments: [id, id]) ?? 0
            counts.deleted = counts.deleted.filter { $0.value > 0 }
            try db.execute(
                sql: "INSERT INTO erasure_receipt(id, time, body) VALUES (?, ?, ?)",
                arguments: [plan.receipt.id, plan.receipt.time, receiptBody(counts)])
            try AuditChain.append(plan.audit, key: auditKey, db)
            return counts
        }
        forgetCachedTokens()
        forgetSealingTargets()
        // After the commit: destroying the key makes the person unreadable in every earlier backup. Should it fail,
        // the next backup's sweep destroys it (the person is gone from `user`), so the erasure still stands.
        try? keys?.destroy(plan.user)
        return counts
    }

    func forgetCachedTokens() {
        tokenCache.withLock { $0.removeAll() }
    }
}
