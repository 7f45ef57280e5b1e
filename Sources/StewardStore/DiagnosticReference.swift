/// The reference of a diagnostic record: `d-` and 10 characters of lowercase base32 (`a`–`z`, `2`–`7`), 50 random
/// bits. Short enough to read out or copy into a support request; random, so it says nothing about who or when.
public enum DiagnosticReference {
    static let alphabet = Array("abcdefghijklmnopqrstuvwxyz234567".utf8)
    public static let length = 12

    /// A new random reference.
    public static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        return make(random: generator.next())
    }

    /// The reference made of the low 50 bits of `random`.
    public static func make(random: UInt64) -> String {
        var bytes: [UInt8] = [UInt8(ascii: "d"), UInt8(ascii: "-")]
        bytes.reserveCapacity(length)
        var bits = random
        for _ in 0..<10 {
            bytes.append(alphabet[Int(bits & 31)])
            bits >>= 5
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Whether `text` is a reference, exactly.
    public static func isValid(_ text: some StringProtocol) -> Bool {
        let bytes = Array(text.utf8)
        return bytes.count == length && bytes[0] == UInt8(ascii: "d") && bytes[1] == UInt8(ascii: "-")
            && bytes[2...].allSatisfy(alphabet.contains)
    }

    /// Every reference quoted in `text` (case-insensitive, as people retype them), lowercased, each once, in order of
    /// appearance. A reference must stand alone: `xd-aaaaaaaaaa` or `d-aaaaaaaaaab` is not one.
    public static func find(in text: String) -> [String] {
        let bytes = Array(text.lowercased().utf8)
        var found: [String] = []
        var index = 0
        while index + length <= bytes.count {
            let before = index == 0 ? nil : bytes[index - 1]
            let after = index + length < bytes.count ? bytes[index + length] : nil
            let candidate = bytes[index..<(index + length)]
            if !isWordByte(before), !isWordByte(after), let reference = Optional(String(decoding: candidate, as: UTF8.self)),
                isValid(reference)
            {
                if !found.contains(reference) { found.append(reference) }
                index += length
            } else {
                index += 1
            }
        }
        return found
    }

    static func isWordByte(_ byte: UInt8?) -> Bool {
        guard let byte else { return false }
        return (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
            || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
    }
}
