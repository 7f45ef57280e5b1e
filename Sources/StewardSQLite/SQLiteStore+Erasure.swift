import Foundation
import GRDB
import StewardCore
import StewardStore
import Synchronization

/// Erasing one person in one transaction: either all of it happens or none (promises TB-12, MS-3, TB-5).
extension SQLiteStore {
    public func erase(_ plan: ErasurePlan) async throws -> ErasureCounts {
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
            // Which devices concern the person and whether their workspace goes with them is read here, inside the
            // transaction that deletes: a device assigned to them after the plan was made loses its readings too.
            let tenantToDelete = try Self.soleTenant(db, plan.user)
            // Readings: fold what the declaration keeps as statistics into daily aggregates without device or
            // person, then delete every reading of every device that concerns the person.
            for device in try Self.devicesConcerning(db, plan.user) {
                let keys = try Row.fetchAll(
                    db, sql: "SELECT k.id, k.key FROM ts_kv_latest l JOIN ts_key k ON k.id = l.key_id WHERE l.device_seq = ? ORDER BY k.key",
                    arguments: [device.seq])
                for row in keys {
                    let key: String = row["key"]
                    guard let category = plan.statisticsCategory(key: key, profile: device.profileName) else { continue }
                    let folded = try foldIntoStatistics(
                        db, device: device.seq, keyID: row["id"], key: key, tenant: device.tenantID, category: category)
                    counts.aggregated += folded
                    if folded > 0 { counts.aggregatedCategories.insert(category) }
                }
                try delete("readings", "DELETE FROM ts_kv WHERE device_seq = ?", [device.seq])
                try delete("latest readings", "DELETE FROM ts_kv_latest WHERE device_seq = ?", [device.seq])
                try db.execute(sql: "DELETE FROM ts_kv_expiry WHERE device_seq = ?", arguments: [device.seq])
                try db.execute(sql: "DELETE FROM ts_rollup WHERE device_seq = ?", arguments: [device.seq])
                if db.changesCount > 0 { counts.deleted["hourly and daily totals", default: 0] += db.changesCount }
                try delete("device attributes", "DELETE FROM attribute_kv WHERE device_seq = ?", [device.seq])
                if device.tenantID != tenantToDelete {
                    try self.recordDeviceChange(db, kind: .personErased, device: device.id)
                    // The organisation's device stays, no longer linked to anyone.
                    try db.execute(sql: "UPDATE device SET person_id = NULL WHERE seq = ?", arguments: [device.seq])
                }
            }
            // A shared workspace keeps going, but not under the person's name (sign-up names it "<name> (xxxxxx)").
            if let row = try Row.fetchOne(
                db, sql: "SELECT u.first_name, t.id, t.name FROM user u JOIN tenant t ON t.id = u.tenant_id WHERE u.id = ?", arguments: [id]),
                let first: String = row["first_name"], !first.isEmpty, let tenantName: String = row["name"],
                tenantName.hasPrefix(first + " ("), (row["id"] as String) != tenantToDelete?.description
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
            // Mail about the person to someone else: a parent's consent request names the child. The texts are
            // sealed, so they are opened here to look for the address.
            for other in plan.otherRecipients {
                let about = plan.email.lowercased()
                for row in try openedRows(
                    [Self.mailText], db, sql: "SELECT id, text_body FROM mail_outbox WHERE recipient_hash = ?", arguments: [contactHash(other)])
                where (row["text_body"] as String?)?.lowercased().contains(about) == true {
                    try delete("mail about you to others", "DELETE FROM mail_outbox WHERE id = ?", [row["id"]])
                }
            }
            try delete("sessions", "DELETE FROM session WHERE user_id = ?", [id])
            try delete("API keys", "DELETE FROM api_key WHERE user_id = ?", [id])
            try delete("recovery codes", "DELETE FROM recovery_code WHERE user_id = ?", [id])
            try delete("single-use links", "DELETE FROM one_time_token WHERE user_id = ?", [id])
            try delete("policy agreements", "DELETE FROM policy_agreement WHERE user_id = ?", [id])
            // Diagnostic records the person quoted are theirs (MS-5); one someone else quoted too stays theirs.
            try delete("diagnostic records you quoted", DiagnosticsSQL.eraseLinkedEvents, [id, id])
            try db.execute(sql: DiagnosticsSQL.eraseLinks, arguments: [id])
            try delete("account", "DELETE FROM user WHERE id = ?", [id])
            if let tenant = tenantToDelete {
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
                arguments: [plan.receipt.id, plan.receipt.time, plan.receiptWording.body(id: plan.receipt.id, time: plan.receipt.time, counts: counts)])
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

    /// Folds one key's numeric readings of one device into the tenant's daily statistics; returns how many readings
    /// went in. Plain readings are summed by SQL; sealed ones are opened here, in Swift, and added to the same rows.
    func foldIntoStatistics(_ db: Database, device: Int64, keyID: Int64, key: String, tenant: TenantID, category: String) throws -> Int {
        var days: [Int64: DailyStatistic] = [:]
        for row in try Row.fetchAll(
            db,
            sql: """
                SELECT ts / 86400000 AS day, COUNT(*) AS n, SUM(v) AS total, MIN(v) AS low, MAX(v) AS high FROM ts_kv
                WHERE device_seq = ? AND key_id = ? AND t IN (2, 3) AND v IS NOT NULL GROUP BY ts / 86400000
                """, arguments: [device, keyID])
        {
            days[row["day"]] = DailyStatistic(count: row["n"], sum: row["total"], min: row["low"], max: row["high"])
        }
        let sealed = try Row.fetchCursor(
            db, sql: "SELECT ts, t, v FROM ts_kv WHERE device_seq = ? AND key_id = ? AND t IN (102, 103)", arguments: [device, keyID])
        while let row = try sealed.next() {
            guard let number = SealedReadings.value(t: row["t"], v: row["v"], keys: keys)?.doubleValue else { continue }
            days[(row["ts"] as Int64) / 86_400_000, default: DailyStatistic()].add(number)
        }
        var total = 0
        for (day, statistic) in days.sorted(by: { $0.key < $1.key }) where statistic.count > 0 {
            try db.execute(
                sql: """
                    INSERT INTO statistic(tenant_id, category, key, day, count, sum, min, max) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(tenant_id, category, key, day) DO UPDATE SET
                        count = count + excluded.count, sum = sum + excluded.sum,
                        min = MIN(min, excluded.min), max = MAX(max, excluded.max)
                    """,
                arguments: [tenant.description, category, key, day, statistic.count, statistic.sum, statistic.min, statistic.max])
            total += statistic.count
        }
        return total
    }

    func forgetCachedTokens() {
        tokenCache.removeAll()
    }
}
