import Foundation
import StewardCore
import StewardPrivacy
import StewardStore

/// The record tables of "Your data" as a person reads them: headers in words with the catalog's meaning as a
/// tooltip (`email_verified_time` → "Email verified"), times as "3 minutes ago (7 Dec 2026 14:05 UTC)", yes/no
/// instead of 1/0 and role names instead of `TENANT_ADMIN`. The download keeps the raw values its README describes.
enum ReadableRecords {
    /// Header words that are not just the column's name split at underscores.
    static let headers = [
        "account_id": "Account", "ip": "IP address", "id": "Id", "ts": "Time", "time": "When", "authority": "Role",
        "first_name": "First name", "last_name": "Last name", "policy_version": "Policy version", "notice_hash": "Notice (SHA-256)",
        "last_update_ts": "Last updated", "start": "Start",
    ]

    /// `{name, label, meaning}` for each column of a kind of record.
    static func columns(_ columns: [String], section: String) -> [[String: String]] {
        let meanings = PersonalDataCatalog.entry(section)?.columns ?? [:]
        return columns.map { column in
            let meaning = (meanings[column] ?? "").replacingOccurrences(of: " (Unix ms)", with: "")
            return ["name": column, "label": header(column), "meaning": meaning]
        }
    }

    /// `created_time` → "Created", `new_place` → "New place".
    static func header(_ column: String) -> String {
        if let known = headers[column] { return known }
        var words = column
        if words.hasSuffix("_time") { words.removeLast("_time".count) }
        words = words.replacingOccurrences(of: "_", with: " ")
        return words.prefix(1).uppercased() + words.dropFirst()
    }

    /// One row's cells in words; `meanings` says which columns are times (Unix ms) or flags ("1 if …").
    static func cells(_ row: [String], columns: [String], section: String, now: Int64) -> [String] {
        let meanings = PersonalDataCatalog.entry(section)?.columns ?? [:]
        return zip(columns, row).map { column, value in cell(value, column: column, meaning: meanings[column] ?? "", now: now) }
    }

    static func cell(_ value: String, column: String, meaning: String, now: Int64) -> String {
        if meaning.contains("Unix ms") || column == "time" || column.hasSuffix("_time") || column == "ts" {
            if let millis = Int64(value), millis > 0 { return ConsoleFormat.readable(millis, now: now) }
            if value == "0" { return "—" }
        }
        if meaning.hasPrefix("1 if") {
            if value == "1" { return "yes" }
            if value == "0" { return "no" }
        }
        if column == "authority", let authority = Authority(rawValue: value) { return ConsoleFormat.role(authority) }
        if column == "status", let status = AccountStatus(rawValue: value) { return ConsoleFormat.status(status) }
        return value
    }
}
