import Foundation

/// The encodings a mail needs to travel through 7-bit SMTP unharmed: quoted-printable bodies, RFC 2047
/// encoded-word headers, header folding and the RFC 5322 date.
enum MIME {
    static let crlf = "\r\n"
    /// RFC 5322 recommends header lines of at most 78 characters; 998 is the hard limit.
    static let preferredLineLength = 78
    /// Longest quoted-printable line (RFC 2045), soft-break "=" included.
    static let quotedPrintableLineLength = 76
    /// UTF-8 bytes per encoded-word: 39 bytes make 52 base64 characters, so "=?UTF-8?B?…?=" is 64 characters
    /// and fits on a folded line with a header name of up to 12 characters.
    static let encodedWordBytes = 39

    // MARK: Bodies

    /// Quoted-printable (RFC 2045 §6.7) of UTF-8 text with its line breaks (LF, CRLF or CR) made CRLF.
    /// Lines are soft-broken at 76 characters without splitting a character's bytes across lines.
    static func quotedPrintable(_ text: String) -> String {
        var output = ""
        let lines = normalizedLines(text)
        for (index, line) in lines.enumerated() {
            if index > 0 { output += crlf }
            output += quotedPrintableLine(line)
        }
        return output
    }

    /// Splits on LF, CRLF and lone CR.
    static func normalizedLines(_ text: String) -> [Substring] {
        let unified = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        return unified.split(separator: "\n", omittingEmptySubsequences: false)
    }

    private static func quotedPrintableLine(_ line: Substring) -> String {
        let scalars = Array(line.unicodeScalars)
        var output = ""
        var current = ""
        for (index, scalar) in scalars.enumerated() {
            let isLast = index == scalars.count - 1
            let token = quotedPrintableToken(scalar, atEndOfLine: isLast)
            // Room for the token plus a soft-break "=" (unless it is the line's last token).
            let limit = isLast ? quotedPrintableLineLength : quotedPrintableLineLength - 1
            if current.count + token.count > limit {
                output += current + "=" + crlf
                current = ""
            }
            current += token
        }
        return output + current
    }

    private static func quotedPrintableToken(_ scalar: Unicode.Scalar, atEndOfLine: Bool) -> String {
        switch scalar.value {
        case 0x20, 0x09:
            // Trailing whitespace may be stripped in transit, so it is encoded.
            return atEndOfLine ? hexEscaped(UInt8(scalar.value)) : String(scalar)
        case 0x21...0x3C, 0x3E...0x7E:
            return String(scalar)
        default:
            return String(scalar).utf8.map(hexEscaped).joined()
        }
    }

    private static func hexEscaped(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return "=" + String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 0x0F)])
    }

    // MARK: Headers

    /// A header line ready to send: the value stripped of line breaks and control characters, encoded as
    /// encoded-words if it is not ASCII (or cannot be folded below 998 characters), and folded, ending in CRLF.
    static func header(_ name: String, _ value: String) -> String {
        header(name, tokens: unstructuredTokens(value))
    }

    /// A header made of pre-encoded tokens separated by single spaces, folded where a token would overflow.
    static func header(_ name: String, tokens: [String]) -> String {
        var output = name + ":"
        var lineLength = output.count
        var tokensOnLine = 0
        for token in tokens {
            // Fold before a token that would overflow, but never leave a line without a token.
            if lineLength + 1 + token.count > preferredLineLength && tokensOnLine > 0 {
                output += crlf
                lineLength = 0
                tokensOnLine = 0
            }
            output += " " + token
            lineLength += 1 + token.count
            tokensOnLine += 1
        }
        return output + crlf
    }

    /// Words of an unstructured value (such as Subject), encoded when needed.
    static func unstructuredTokens(_ value: String) -> [String] {
        let clean = sanitized(value)
        let words = clean.split(separator: " ").map(String.init)
        let needsEncoding = !clean.allSatisfy(\.isASCII) || words.contains { $0.utf8.count > 900 }
        return needsEncoding ? encodedWords(clean) : words
    }

    /// The display-name part of an address header: a quoted string, or encoded-words when not ASCII.
    static func phraseTokens(_ name: String) -> [String] {
        let clean = sanitized(name)
        guard clean.allSatisfy(\.isASCII) && clean.utf8.count <= 900 else { return encodedWords(clean) }
        let escaped = clean.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        return ["\"" + escaped + "\""]
    }

    /// RFC 2047 "B" encoded-words, each holding whole characters. Whitespace between encoded-words is ignored by
    /// readers, so the spaces of the original travel inside the encoded text.
    static func encodedWords(_ text: String) -> [String] {
        var words: [String] = []
        var chunk: [UInt8] = []
        for scalar in text.unicodeScalars {
            let bytes = Array(String(scalar).utf8)
            if chunk.count + bytes.count > encodedWordBytes {
                words.append(encodedWord(chunk))
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty || words.isEmpty { words.append(encodedWord(chunk)) }
        return words
    }

    private static func encodedWord(_ bytes: [UInt8]) -> String {
        "=?UTF-8?B?" + Data(bytes).base64EncodedString() + "?="
    }

    /// Replaces CR, LF and other control characters with spaces so a value cannot start a new header line.
    static func sanitized(_ value: String) -> String {
        let scalars = value.unicodeScalars.map { scalar -> Unicode.Scalar in
            scalar.value < 0x20 || scalar.value == 0x7F || scalar == "\u{2028}" || scalar == "\u{2029}" ? " " : scalar
        }
        var text = ""
        text.unicodeScalars.append(contentsOf: scalars)
        return text.trimmingCharacters(in: .whitespaces)
    }

    /// A header name reduced to the characters RFC 5322 allows (printable ASCII except ":").
    static func sanitizedHeaderName(_ name: String) -> String {
        String(name.unicodeScalars.filter { $0.value >= 0x21 && $0.value <= 0x7E && $0 != ":" }.map(Character.init))
    }

    /// An address for a header or SMTP command, with anything that could break out of it removed.
    static func sanitizedAddress(_ address: String) -> String {
        String(
            address.unicodeScalars.filter { $0.value > 0x20 && $0.value != 0x7F && $0 != "<" && $0 != ">" }
                .map(Character.init))
    }

    // MARK: Dates

    /// RFC 5322 date-time in UTC, e.g. "Tue, 03 Feb 2026 14:05:09 +0000". Written by hand because
    /// DateFormatter is neither cheap nor Sendable.
    static func rfc5322Date(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: date)
        let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int?) -> String {
            let value = value ?? 0
            return value < 10 ? "0\(value)" : "\(value)"
        }
        return "\(weekdays[(parts.weekday ?? 1) - 1]), \(two(parts.day)) \(months[(parts.month ?? 1) - 1]) "
            + "\(parts.year ?? 1970) \(two(parts.hour)):\(two(parts.minute)):\(two(parts.second)) +0000"
    }
}
