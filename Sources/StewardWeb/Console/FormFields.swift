import StewardCore
import StewardPrivacy

/// Every field any console form collects, with the declared purpose (a key of the privacy declaration) it serves
/// and why. The console refuses to start when a purpose is not declared, and a test fails on a form field
/// without an entry: nothing is collected that no declared purpose needs.
enum FormFields {
    static let purposes: [String: (purpose: String, why: String)] = [
        "csrf": ("security", "proves the form came from this site"),
        "name": ("account", "how we address you"),
        "email": ("account", "sign-in and service mail"),
        "password": ("security", "authentication"),
        "current_password": ("security", "confirms a change"),
        "new_password": ("security", "authentication"),
        "jurisdiction": ("age_gate", "the age of digital consent and request deadlines of where you live"),
        "birth_year": ("age_gate", "age gate only, never stored"),
        "parent_email": ("age_gate", "a parent's consent below the age of digital consent"),
        "agree_policy": ("consent_records", "record of agreement to the privacy policy version"),
        "token": ("security", "the single-use link you followed"),
        "code": ("security", "second factor"),
        "secret": ("security", "the authenticator key being set up"),
        "company": ("account", "optional: shown to your team"),
        "phone": ("account", "optional: lets your team reach you"),
        "picture": ("account", "optional: shown next to your name"),
        "remove": ("account", "removes your picture"),
        "session": ("security", "which session to end"),
        "key": ("security", "which application key to revoke"),
        "key_name": ("security", "a label for an application key"),
        "key_role": ("security", "what an application key may do"),
        "purpose": ("consent_records", "which purpose your choice is about"),
        "choice": ("consent_records", "give or withdraw consent, or accept or reject optional cookies"),
        "category": ("consent_records", "which optional purposes you allow in the cookie banner"),
        "return_to": ("consent_records", "the page to go back to after the cookie choice"),
        "confirm_over_signal": ("consent_records", "confirms an opt-in over your browser's privacy signal"),
    ]

    /// Fails when a field serves a purpose the declaration does not declare.
    static func check(against declaration: PrivacyDeclaration) throws(StewardError) {
        let missing = purposes.filter { declaration.purpose($0.value.purpose) == nil }.map { "\($0.key) → \($0.value.purpose)" }
        guard missing.isEmpty else {
            throw .badRequest(
                "The console's forms collect fields for purposes the privacy declaration does not declare: "
                    + missing.sorted().joined(separator: ", ") + ". Declare those purposes in privacy.yaml.")
        }
    }
}
