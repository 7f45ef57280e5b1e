/// Every field any console form collects, with the declared purpose it serves. A form field without an entry
/// here fails the form-field test: nothing is collected that no purpose needs.
enum FormFields {
    static let purposes: [String: String] = [
        "csrf": "security: proves the form came from this site",
        "name": "account: how we address you",
        "email": "account: sign-in and service mail",
        "password": "authentication",
        "current_password": "authentication: confirms a change",
        "new_password": "authentication",
        "jurisdiction": "legal: the age of digital consent and request deadlines of where you live",
        "birth_year": "legal: age gate only, never stored",
        "parent_email": "legal: a parent's consent below the age of digital consent",
        "agree_policy": "legal: record of agreement to the privacy policy version",
        "token": "security: the single-use link you followed",
        "code": "authentication: second factor",
        "secret": "authentication: the authenticator key being set up",
        "company": "account (optional): shown to your team",
        "phone": "account (optional): lets your team reach you",
        "picture": "account (optional): shown next to your name",
        "remove": "account: removes your picture",
        "session": "security: which session to end",
        "key": "security: which application key to revoke",
        "key_name": "security: a label for an application key",
        "key_role": "security: what an application key may do",
    ]
}
