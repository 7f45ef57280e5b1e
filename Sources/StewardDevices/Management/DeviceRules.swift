import StewardCore

/// The one rule set for device names and access tokens. REST, the console, the CLI and provisioning all create
/// devices through `DeviceManagement`, which applies these; device authentication reads the same token limit, so a
/// device can always connect with the token it was given.
public enum DeviceRules {
    /// The longest access token, in UTF-8 bytes: what device authentication (MQTT username, HTTP path) accepts.
    public static let maximumTokenLength = 256
    /// The longest device name, in characters (ThingsBoard's column is 255 wide).
    public static let maximumNameLength = 255

    /// A valid name: trimmed of surrounding whitespace, non-empty, at most `maximumNameLength` characters, no control
    /// characters. Returns the name to store.
    public static func name(_ name: String) throws(StewardError) -> String {
        let trimmed = name.trimmingWhitespace()
        guard !trimmed.isEmpty else { throw .badRequest("Device name should be specified!") }
        guard trimmed.count <= maximumNameLength else {
            throw .badRequest("Device name is longer than \(maximumNameLength) characters")
        }
        guard !trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw .badRequest("Device name must not contain control characters (line breaks, tabs)")
        }
        return trimmed
    }

    /// Checks a token chosen by a caller: 1 to `maximumTokenLength` bytes, no whitespace or control characters, so it
    /// survives an MQTT username, a URL path segment and a copy from a terminal unchanged.
    public static func checkToken(_ token: String) throws(StewardError) {
        guard !token.isEmpty, token.utf8.count <= maximumTokenLength else {
            throw .badRequest("An access token must be 1 to \(maximumTokenLength) bytes long (got \(token.utf8.count))")
        }
        guard !token.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.properties.generalCategory == .control })
        else { throw .badRequest("An access token must not contain spaces or control characters") }
    }

    /// Whether device authentication should look the token up at all: anything longer was never accepted.
    public static func mayAuthenticate(_ token: String) -> Bool {
        !token.isEmpty && token.utf8.count <= maximumTokenLength
    }
}

extension String {
    /// The string without leading and trailing whitespace (spaces, tabs, line breaks), without Foundation.
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[first...last])
    }
}
