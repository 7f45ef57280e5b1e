import Foundation
import StewardCore

/// What a new password must satisfy: long enough, not one of the passwords attackers try first, and not built
/// from the account's own email. Length beats composition rules (NIST SP 800-63B), so there are none of those.
public struct PasswordPolicy: Sendable {
    public var minimumLength = 10
    /// bcrypt reads at most 72 bytes.
    public static let maximumBytes = 72

    public init() {}

    public func check(_ password: String, email: String? = nil) throws(StewardError) {
        if password.count < minimumLength {
            throw .badRequest("The password must be at least \(minimumLength) characters long")
        }
        if password.utf8.count > Self.maximumBytes {
            throw .badRequest("The password must be at most \(Self.maximumBytes) bytes long")
        }
        let lowered = password.lowercased()
        if CommonPasswords.contains(lowered) || Set(lowered).count <= 2 {
            throw .badRequest("This password is one of the most common ones and is guessed first; choose another")
        }
        if let local = email?.split(separator: "@").first.map({ String($0).lowercased() }), local.count >= 4,
            lowered.contains(local)
        {
            throw .badRequest("The password must not contain your email address")
        }
    }
}

/// The most frequently used passwords of at least ten characters (and their obvious variants), from public breach
/// frequency lists. Checked in lower case.
enum CommonPasswords {
    static func contains(_ lowered: String) -> Bool {
        if list.contains(lowered) { return true }
        // "password123!", "qwerty2024": a common stem followed by digits and punctuation.
        let stem = String(lowered.reversed().drop(while: { $0.isNumber || $0.isPunctuation || $0.isSymbol }).reversed())
        return stems.contains(stem)
    }

    static let stems: Set<String> = [
        "password", "passw0rd", "p@ssw0rd", "p@ssword", "qwerty", "qwertyuiop", "asdfgh", "asdfghjkl", "zxcvbnm",
        "letmein", "welcome", "iloveyou", "admin", "administrator", "monkey", "dragon", "football", "baseball",
        "sunshine", "princess", "starwars", "whatever", "trustno1", "superman", "batman", "master", "shadow",
        "michael", "jennifer", "charlie", "changeme", "secret", "abc", "abcdef", "abcdefg", "abcdefgh", "qazwsx",
        "1q2w3e4r", "1qaz2wsx", "zaq12wsx", "steward", "thingsboard", "tenant", "default", "login", "hello",
        "freedom", "computer", "internet", "samsung", "google", "mustang", "access", "summer", "winter", "spring",
        "autumn", "loveyou", "pokemon", "liverpool", "chelsea", "arsenal", "",
    ]

    static let list: Set<String> = [
        "1234567890", "12345678910", "0123456789", "9876543210", "1111111111", "0000000000", "1234512345",
        "1q2w3e4r5t", "1q2w3e4r5t6y", "qwertyuiop", "qwerty123456", "password12", "password123", "password1234",
        "iloveyou123", "abcd123456", "abc1234567", "a123456789", "123456789a", "qwer123456", "asdf123456",
        "zxcvbnm123", "aa12345678", "1234567890a", "q1w2e3r4t5", "q1w2e3r4t5y6", "123qweasdzxc", "1qazxsw23edc",
        "qazwsxedcrfv", "asdfghjkl1", "passw0rd123", "welcome123", "admin12345", "administrator", "letmein123",
        "football123", "baseball123", "princess123", "sunshine123", "starwars123", "superman123", "monkey12345",
        "dragon12345", "master12345", "changeme123", "trustno1234", "whatever123", "michael123", "jennifer123",
        "charlie123", "computer123", "internet123", "samsung123", "google1234", "liverpool123", "chelsea123",
        "qwertyqwerty", "passwordpassword", "abcdefghij", "abcdefghijk", "abcdefghijkl", "11223344556", "1122334455",
        "147258369", "1472583690", "9638527410", "7894561230", "1234qwer", "12341234", "1234554321", "0987654321",
    ]
}
