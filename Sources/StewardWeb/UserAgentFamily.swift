/// The browser and operating-system family of a User-Agent: all diagnostics keep of it (promise MS-4). A full
/// User-Agent with its versions is close to a fingerprint; a family is shared by millions.
public struct UserAgentFamily: Sendable, Equatable {
    /// `Chrome`, `Firefox`, `Safari`, `Edge`, `curl`, `python-requests` or `other`.
    public var browser: String
    /// `Windows`, `macOS`, `Linux`, `Android`, `iOS` or `other`.
    public var os: String

    public init(browser: String, os: String) {
        self.browser = browser
        self.os = os
    }

    /// The families of `userAgent`; anything unrecognised (or absent) is `other`. Pure and allocation-light: it runs
    /// on every request.
    public static func parse(_ userAgent: String?) -> UserAgentFamily {
        guard let userAgent, !userAgent.isEmpty else { return UserAgentFamily(browser: "other", os: "other") }
        let text = Substring(userAgent.prefix(512))
        return UserAgentFamily(browser: browser(text), os: os(text))
    }

    /// Order matters: Edge's string names Chrome and Safari too, Chrome's names Safari.
    static func browser(_ text: Substring) -> String {
        if text.hasPrefix("curl/") { return "curl" }
        if text.hasPrefix("python-requests/") { return "python-requests" }
        if contains(text, "Edg/") || contains(text, "EdgA/") || contains(text, "EdgiOS/") || contains(text, "Edge/") { return "Edge" }
        if contains(text, "OPR/") || contains(text, "SamsungBrowser/") { return "other" }
        if contains(text, "Firefox/") || contains(text, "FxiOS/") { return "Firefox" }
        if contains(text, "Chrome/") || contains(text, "CriOS/") || contains(text, "Chromium/") { return "Chrome" }
        if contains(text, "Safari/") && contains(text, "Version/") { return "Safari" }
        return "other"
    }

    /// Order matters: iOS strings say "like Mac OS X", Android strings say Linux.
    static func os(_ text: Substring) -> String {
        if contains(text, "iPhone") || contains(text, "iPad") || contains(text, "iPod") { return "iOS" }
        if contains(text, "Android") { return "Android" }
        if contains(text, "Windows") { return "Windows" }
        if contains(text, "Macintosh") || contains(text, "Mac OS X") { return "macOS" }
        if contains(text, "Linux") || contains(text, "X11") || contains(text, "CrOS") { return "Linux" }
        return "other"
    }

    /// Whether `needle` occurs in `text`, comparing UTF-8 bytes (no Foundation, no copies).
    static func contains(_ text: Substring, _ needle: StaticString) -> Bool {
        let pattern = UnsafeBufferPointer(start: needle.utf8Start, count: needle.utf8CodeUnitCount)
        let bytes = text.utf8
        guard let first = pattern.first, bytes.count >= pattern.count else { return false }
        var index = bytes.startIndex
        let lastStart = bytes.index(bytes.endIndex, offsetBy: -pattern.count)
        while index <= lastStart {
            if bytes[index] == first {
                var matched = true
                var probe = bytes.index(after: index)
                for offset in 1..<pattern.count {
                    if bytes[probe] != pattern[offset] {
                        matched = false
                        break
                    }
                    probe = bytes.index(after: probe)
                }
                if matched { return true }
            }
            index = bytes.index(after: index)
        }
        return false
    }
}
