/// Topic name / topic filter syntax checks (spec section 4.7).
///
/// The codec only enforces what makes a packet malformed (UTF-8, U+0000, wildcards in topic names).
/// Filter syntax is left to the server so it can answer a bad filter with a SUBACK failure code
/// (0x80 / 0x8F) instead of dropping the connection; these helpers give it the rules.
public enum MQTTTopic {
    /// A topic name usable in PUBLISH or a will: non-empty, at most 65,535 UTF-8 bytes, no `+`, `#` or U+0000.
    public static func isValidName(_ topic: String) -> Bool {
        let utf8 = topic.utf8
        guard !utf8.isEmpty, utf8.count <= Int(UInt16.max) else { return false }
        for byte in utf8 where byte == UInt8(ascii: "+") || byte == UInt8(ascii: "#") || byte == 0 {
            return false
        }
        return true
    }

    /// A topic filter usable in SUBSCRIBE: non-empty, at most 65,535 UTF-8 bytes, no U+0000, `+` only as a
    /// whole level, `#` only as the whole last level. `$share/<group>/<filter>` (MQTT 5 shared subscription)
    /// requires a non-empty group without wildcards and a valid filter after it.
    public static func isValidFilter(_ filter: String) -> Bool {
        let utf8 = filter.utf8
        guard !utf8.isEmpty, utf8.count <= Int(UInt16.max) else { return false }
        let bytes = Array(utf8)
        let sharePrefix = Array("$share/".utf8)
        if bytes.starts(with: sharePrefix) {
            let rest = bytes[sharePrefix.count...]
            guard let slash = rest.firstIndex(of: UInt8(ascii: "/")) else { return false }
            let group = rest[rest.startIndex..<slash]
            guard !group.isEmpty,
                !group.contains(UInt8(ascii: "+")),
                !group.contains(UInt8(ascii: "#"))
            else { return false }
            let inner = rest[(slash + 1)...]
            return !inner.isEmpty && Self.isValidFilterBytes(inner)
        }
        return Self.isValidFilterBytes(bytes[...])
    }

    private static func isValidFilterBytes(_ bytes: ArraySlice<UInt8>) -> Bool {
        let slash = UInt8(ascii: "/")
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            let atLevelStart = index == bytes.startIndex || bytes[index - 1] == slash
            let next = index + 1
            let atLevelEnd = next == bytes.endIndex || bytes[next] == slash
            switch byte {
            case 0:
                return false
            case UInt8(ascii: "+"):
                guard atLevelStart && atLevelEnd else { return false }
            case UInt8(ascii: "#"):
                guard atLevelStart && next == bytes.endIndex else { return false }
            default:
                break
            }
            index = next
        }
        return true
    }
}
