import Foundation
import StewardCore
import StewardStore
import StewardVault
import Synchronization

/// Erasing one person in one transaction: either all of it happens or none (promises TB-12, MS-3, TB-5). The same
/// steps, counts and receipt as on SQLite.
extension PostgresStore {
    public func erase(_ plan: ErasurePlan) async throws -> ErasureCounts {
        let (counts, recordedDeviceChanges) = try await database.write { db -> (ErasureCounts, Bool) in
            let id = plan.user.description
            guard try await db.fetchOne(sql: "SELECT 1 FROM \"user\" WHERE id = ?", arguments: [id]) != nil else {
                throw StewardError.notFound("No account with id \(id); it may already have been erased")
            }
            var counts = ErasureCounts()
            var recorded = false
            func delete(_ table: String, _ sql: String, _ arguments: SQLArguments) async throws {
                counts.deleted[table, default: 0] += try await db.execute(sql: sql, arguments: arguments)
            }
            // Which devices concern the person and whether their workspace goes with them is read here, inside the
            // transaction that deletes: a device assigned to them after the plan was made loses its readings too.
            let tenantToDelete = try await Self.soleTenant(db, plan.user)
            // Readings: fold what the declaration keeps as statistics into daily aggregates without device or
            // person, then delete every reading of every device that concerns the person.
            for device in try await Self.devicesConcerning(db, plan.user) {
                let keys = try await db.fetchAll(
                    sql: """
                        SELECT k.id, k.key FROM ts_kv_latest l JOIN ts_key k ON k.id = l.key_id WHERE l.device_seq = ?
                        ORDER BY k.key COLLATE "C"
                        """,
                    arguments: [device.seq])
                for row in keys {
                    let key: String = try row["key"]
                    guard let category = plan.statisticsCategory(key: key, profile: device.profileName) else { continue }
                    let folded = try await self.foldIntoStatistics(
                        db, device: device.seq, keyID: try row["id"], key: key, tenant: device.tenantID, category: category)
                    counts.aggregated += folded
                    if folded > 0 { counts.aggregatedCategories.insert(category) }
                }
                try await delete("readings", "DELETE FROM ts_kv WHERE device_seq = ?", [device.seq])
                try await delete("latest readings", "DELETE FROM ts_kv_latest WHERE device_seq = ?", [device.seq])
                try await db.execute(sql: "DELETE FROM ts_kv_expiry WHERE device_seq = ?", arguments: [device.seq])
                let totals = try await db.execute(sql: "DELETE FROM ts_rollup WHERE device_seq = ?", arguments: [device.seq])
                if totals > 0 { counts.deleted["hourly and daily totals", default: 0] += totals }
                try await delete("device attributes", "DELETE FROM attribute_kv WHERE device_seq = ?", [device.seq])
                if device.tenantID != tenantToDelete {
                    try await self.recordDeviceChange(db, kind: .personErased, device: device.id)
                    recorded = true
                    // The organisation's device stays, no longer linked to anyone.
                    try await db.execute(sql: "UPDATE device SET person_id = NULL WHERE seq = ?", arguments: [device.seq])
                }
            }
            // A shared workspace keeps going, but not under the person's name (sign-up names it "<name> (xxxxxx)").
            if let row = try await db.fetchOne(
                sql: "SELECT u.first_name, t.id, t.name FROM \"user\" u JOIN tenant t ON t.id = u.tenant_id WHERE u.id = ?",
                arguments: [id]),
                let first: String = try row["first_name"], !first.isEmpty, let tenantName: String = try row["name"],
                tenantName.hasPrefix(first + " ("), (try row["id"] as String) != tenantToDelete?.description
            {
                try await db.execute(
                    sql: "UPDATE tenant SET name = ? WHERE id = ?",
                    arguments: ["Workspace " + tenantName.dropFirst(first.count + 1), try row["id"] as String])
                counts.deleted["name in a shared workspace's name", default: 0] += 1
            }
            let emailHash = self.contactHash(plan.email)
            try await delete("sign-in records", "DELETE FROM sign_in WHERE user_id = ? OR email_hash = ?", [id, emailHash])
            try await delete("consent ledger entries", "DELETE FROM consent_event WHERE subject = ?", ["user:\(id)"])
            try await delete("mail", "DELETE FROM mail_outbox WHERE recipient_hash = ?", [emailHash])
            // Mail about the person to someone else: a parent's consent request names the child. The texts are
            // sealed, so they are opened here to look for the address.
            for other in plan.otherRecipients {
                let about = plan.email.lowercased()
                for row in try await db.fetchAll(
                    sql: "SELECT id, text_body FROM mail_outbox WHERE recipient_hash = ?", arguments: [self.contactHash(other)])
                where try self.openContact(row, "text_body", .mailText)?.lowercased().contains(about) == true {
                    try await delete("mail about you to others", "DELETE FROM mail_outbox WHERE id = ?", [try row["id"] as Int64])
                }
            }
            try await delete("sessions", "DELETE FROM session WHERE user_id = ?", [id])
            try await delete("API keys", "DELETE FROM api_key WHERE user_id = ?", [id])
            try await delete("recovery codes", "DELETE FROM recovery_code WHERE user_id = ?", [id])
            try await delete("single-use links", "DELETE FROM one_time_token WHERE user_id = ?", [id])
            try await delete("policy agreements", "DELETE FROM policy_agreement WHERE user_id = ?", [id])
            // Diagnostic records the person quoted are theirs (MS-5); one someone else quoted too stays theirs.
            try await delete("diagnostic records you quoted", DiagnosticsSQL.eraseLinkedEvents, [id, id])
            try await db.execute(sql: DiagnosticsSQL.eraseLinks, arguments: [id])
            try await delete("account", "DELETE FROM \"user\" WHERE id = ?", [id])
            if let tenant = tenantToDelete {
                counts.deleted["devices", default: 0] += Int(
                    try await db.fetchValue(
                        Int64.self, sql: "SELECT COUNT(*) FROM device WHERE tenant_id = ?", arguments: [tenant.description]) ?? 0)
                try await self.recordDeviceChanges(
                    db, kind: .deleted, selection: "SELECT id FROM device WHERE tenant_id = ?", arguments: [tenant.description])
                recorded = true
                try await delete("organisation", "DELETE FROM tenant WHERE id = ?", [tenant.description])
            }
            for change in plan.changes { try await self.apply(change, db) }
            counts.kept["requests"] = Int(
                try await db.fetchValue(Int64.self, sql: "SELECT COUNT(*) FROM dsr_request WHERE user_id = ?", arguments: [id]) ?? 0)
            counts.kept["audit entries"] = Int(
                try await db.fetchValue(
                    Int64.self, sql: "SELECT COUNT(*) FROM audit_log WHERE subject_id = ? OR actor_id = ?", arguments: [id, id]) ?? 0)
            counts.deleted = counts.deleted.filter { $0.value > 0 }
            try await db.execute(
                sql: "INSERT INTO erasure_receipt(id, time, body) VALUES (?, ?, ?)",
                arguments: [
                    plan.receipt.id, plan.receipt.time,
                    plan.receiptWording.body(id: plan.receipt.id, time: plan.receipt.time, counts: counts),
                ])
            // The audit entry joins the chain in this transaction, as every audited change does.
            try await self.apply(.audit(plan.audit), db)
            return (counts, recorded)
        }
        tokenCache.removeAll()
        forgetSealingTargets()
        if recordedDeviceChanges { announceDeviceChanges() }
        // After the commit: destroying the key makes the person unreadable in every earlier backup and in whatever
        // PostgreSQL still holds of their sealed rows (dead tuples, WAL, dumps). Should it fail, the next backup's
        // sweep destroys it (the person is gone from "user"), so the erasure still stands.
        try? keys.destroy(plan.user)
        return counts
    }

    /// Folds one key's numeric readings of one device into the tenant's daily statistics; returns how many readings
    /// went in. Plain readings are summed by SQL (longs and doubles sit in separate columns, so each is aggregated
    /// and the two combined); sealed ones are opened here, in Swift, and added to the same rows.
    func foldIntoStatistics(
        _ db: SQLConnection, device: Int64, keyID: Int64, key: String, tenant: TenantID, category: String
    ) async throws -> Int {
        var days: [Int64: DailyStatistic] = [:]
        for row in try await db.fetchAll(
            sql: """
                SELECT ts / 86400000 AS day, COUNT(*) AS n,
                       COALESCE(SUM(v_long)::float8, 0) + COALESCE(SUM(v_double), 0) AS total,
                       LEAST(MIN(v_long)::float8, MIN(v_double)) AS low, GREATEST(MAX(v_long)::float8, MAX(v_double)) AS high
                FROM ts_kv WHERE device_seq = ? AND key_id = ? AND t IN (2, 3) GROUP BY ts / 86400000
                """, arguments: [device, keyID])
        {
            days[try row["day"]] = DailyStatistic(
                count: Int(try row["n"] as Int64), sum: try row["total"], min: try row["low"], max: try row["high"])
        }
        for row in try await db.fetchAll(
            sql: "SELECT ts, \(StoredValue.columns) FROM ts_kv WHERE device_seq = ? AND key_id = ? AND t IN (102, 103)",
            arguments: [device, keyID])
        {
            guard let number = try StoredValue(row: row).value(keys: keys)?.doubleValue else { continue }
            days[(try row["ts"] as Int64) / 86_400_000, default: DailyStatistic()].add(number)
        }
        var total = 0
        for (day, statistic) in days.sorted(by: { $0.key < $1.key }) where statistic.count > 0 {
            try await db.execute(
                sql: """
                    INSERT INTO statistic(tenant_id, category, key, day, count, sum, min, max) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (tenant_id, category, key, day) DO UPDATE SET
                        count = statistic.count + excluded.count, sum = statistic.sum + excluded.sum,
                        min = LEAST(statistic.min, excluded.min), max = GREATEST(statistic.max, excluded.max)
                    """,
                arguments: [
                    tenant.description, category, key, day, statistic.count, statistic.sum, statistic.min, statistic.max,
                ])
            total += statistic.count
        }
        return total
    }
}
