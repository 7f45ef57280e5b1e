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
        "revoke_keys": ("security", "also revokes your application keys with a new password"),
        "keys_offered": ("security", "whether the password form offered to revoke your application keys"),
        "jurisdiction": ("age_gate", "the age of digital consent and request deadlines of where you live"),
        "birth_year": ("age_gate", "age gate only, never stored"),
        "parent_email": ("age_gate", "a parent's consent below the age of digital consent"),
        "agree_policy": ("consent_records", "record of agreement to the privacy policy version"),
        "token": ("security", "the single-use link you followed"),
        "code": ("security", "second factor"),
        "secret": ("security", "the authenticator key being set up"),
        "company": ("account", "optional: shown to your team"),
        "workspace_name": ("account", "the name of your workspace, shown to its members and the server's administrator"),
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
        "confirm": ("account", "confirms deactivating or deleting your account"),
        "explicit": ("consent_records", "your explicit agreement to a policy change that narrows a right"),
        "requester_name": ("data_subject_requests", "how we address you in our answer"),
        "requester_email": ("data_subject_requests", "proves the request is yours, and where the answer goes"),
        "requester_country": ("data_subject_requests", "the deadline rules of where you live"),
        "request_kind": ("data_subject_requests", "what you ask for"),
        "request_details": ("data_subject_requests", "what to correct, or what the request is about"),
        "complaint_text": ("data_subject_requests", "your complaint"),
        "request_id": ("data_subject_requests", "which request staff act on"),
        "extension_reason": ("data_subject_requests", "why more time is needed; the person is told"),
        "decision": ("data_subject_requests", "whether a request was done or refused"),
        "outcome": ("data_subject_requests", "what the person is told was done, or why not"),
        "subject_email": ("legal_requests", "whose data was disclosed to an authority"),
        "recipient": ("legal_requests", "the declared authority that received it"),
        "disclosed_categories": ("legal_requests", "which categories of data were disclosed"),
        "disclosed_what": ("legal_requests", "what was disclosed"),
        "legal_ground": ("legal_requests", "the order or law that required the disclosure"),
        "disclosed_on": ("legal_requests", "when it was disclosed"),
        "restricted_until": ("legal_requests", "until when the law forbids telling the person"),
        "restriction_reason": ("legal_requests", "the order or provision that forbids telling the person"),
        // Device profiles, customers and dashboards (`Console+Profiles`, `Console+Customers`, `Console+Dashboards`).
        "description": ("devices", "what a device profile is for"),
        "inactivity": ("devices", "after how long without data a device counts as inactive"),
        "inactivityUnit": ("devices", "the unit of the inactivity timeout"),
        "ttl": ("devices", "how long a profile's readings are kept at most"),
        "ttlUnit": ("devices", "the unit of how long readings are kept"),
        "provisioning": ("devices", "whether devices may provision themselves"),
        "provisionKey": ("devices", "the key devices provision themselves with"),
        "provisionSecret": ("devices", "the secret devices provision themselves with"),
        "makeDefault": ("devices", "makes a profile the one new devices get"),
        "assignDevice": ("devices", "which device a customer is given"),
        "title": ("devices", "a dashboard's title"),
        "layout": ("devices", "a dashboard's widgets"),
        "share": ("devices", "the customers a dashboard is shared with"),
        "widgetKind": ("devices", "what a new dashboard widget shows"),
        "widgetTitle": ("devices", "a dashboard widget's title"),
        "widgetDevices": ("devices", "the devices a dashboard widget shows"),
        "widgetKeys": ("devices", "the readings a dashboard widget shows"),
        "widgetMethod": ("devices", "the command a dashboard button sends"),
        "widgetX": ("devices", "a widget's column on the dashboard grid"),
        "widgetY": ("devices", "a widget's row on the dashboard grid"),
        "widgetW": ("devices", "a widget's width on the dashboard grid"),
        "widgetH": ("devices", "a widget's height on the dashboard grid"),
        "widgetDevice": ("devices", "which of a dashboard widget's devices its switch, button or form acts on"),
        "attributeKey": ("devices", "which attribute a dashboard's attribute form sets"),
        // The device console (`Console+Devices*`, `Console+DevicePage`).
        "q": ("devices", "what to look for in the device list"),
        "label": ("devices", "a device's label, shown beside its name"),
        "profile": ("devices", "which device profile a device follows"),
        "customer": ("devices", "the customer a device is assigned to"),
        "person": ("devices", "the person a device's readings are about, whose rights reach them"),
        "range": ("devices", "the time range the chart shows"),
        "scope": ("devices", "whether an attribute is shared with the device or kept on the server"),
        "value": ("devices", "an attribute's value"),
        "method": ("devices", "the command sent to a device"),
        "params": ("devices", "the command's parameters"),
        "oneway": ("devices", "whether to wait for the device's answer"),
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
