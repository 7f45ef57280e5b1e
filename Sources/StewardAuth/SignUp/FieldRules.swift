import Foundation
import StewardCore

/// Checks for the free-text fields people type, with the message the form shows next to the field.
public enum FieldRules {
    public static let maximumNameLength = 100
    public static let maximumCompanyLength = 100
    public static let maximumPhoneLength = 32

    public static func name(_ text: String) throws(StewardError) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty { throw .badRequest("Enter your name") }
        if trimmed.count > maximumNameLength { throw .badRequest("The name is longer than \(maximumNameLength) characters") }
        if trimmed.unicodeScalars.contains(where: { CharacterSet.controlCharacters.contains($0) }) {
            throw .badRequest("The name contains control characters")
        }
        return trimmed
    }

    public static func email(_ text: String) throws(StewardError) -> String {
        let email = text.trimmingCharacters(in: .whitespaces).lowercased()
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard email.count <= 254, parts.count == 2, !parts[0].isEmpty, parts[0].count <= 64, parts[1].contains("."),
            !parts[1].hasPrefix("."), !parts[1].hasSuffix("."), !email.contains(where: { $0.isWhitespace || $0 == "<" || $0 == ">" })
        else { throw .badRequest("'\(text.prefix(80))' is not a valid email address") }
        return email
    }

    /// Optional fields: empty means "not given".
    public static func optional(_ text: String?, label: String, maximum: Int) throws(StewardError) -> String? {
        guard let trimmed = text?.trimmingCharacters(in: .whitespacesAndNewlines), !trimmed.isEmpty else { return nil }
        if trimmed.count > maximum { throw .badRequest("\(label) is longer than \(maximum) characters") }
        return trimmed
    }

    public static func phone(_ text: String?) throws(StewardError) -> String? {
        guard let phone = try optional(text, label: "The phone number", maximum: maximumPhoneLength) else { return nil }
        guard phone.allSatisfy({ $0.isNumber || " +-()./".contains($0) }), phone.filter(\.isNumber).count >= 5 else {
            throw .badRequest("The phone number may contain digits, spaces and + - ( ) only")
        }
        return phone
    }
}
