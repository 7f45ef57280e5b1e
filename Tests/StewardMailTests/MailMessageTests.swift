import Foundation
import StewardMail
import Testing

@Suite struct MailMessageTests {
    let date = Date(timeIntervalSince1970: 1_770_127_509)  // Tue, 03 Feb 2026 14:05:09 UTC

    func message(
        subject: String = "Confirm your email", text: String = "Hello", html: String? = nil,
        headers: [MailHeader] = []
    ) -> MailMessage {
        MailMessage(
            from: "noreply@steward.example", fromName: "Steward", to: "alice@example.org", subject: subject,
            textBody: text, htmlBody: html, headers: headers)
    }

    @Test func rendersTheStandardHeadersInOrder() {
        let rendered = message(headers: [MailHeader("Auto-Submitted", "auto-generated")])
            .rendered(date: date, messageID: "<abc123@steward.example>")
        let (headers, body) = parseMessage(rendered)
        #expect(
            headers.map(\.name) == [
                "Date", "Message-ID", "From", "To", "Subject", "Auto-Submitted", "MIME-Version", "Content-Type",
                "Content-Transfer-Encoding",
            ])
        #expect(headers.value("Date") == "Tue, 03 Feb 2026 14:05:09 +0000")
        #expect(headers.value("Message-ID") == "<abc123@steward.example>")
        #expect(headers.value("From") == "\"Steward\" <noreply@steward.example>")
        #expect(headers.value("To") == "alice@example.org")
        #expect(headers.value("Subject") == "Confirm your email")
        #expect(headers.value("MIME-Version") == "1.0")
        #expect(headers.value("Content-Type") == "text/plain; charset=UTF-8")
        #expect(headers.value("Content-Transfer-Encoding") == "quoted-printable")
        #expect(body == "Hello\r\n")
    }

    @Test func messageIDGetsAngleBracketsOnce() {
        let rendered = message().rendered(date: date, messageID: "bare@steward.example")
        #expect(parseMessage(rendered).headers.value("Message-ID") == "<bare@steward.example>")
    }

    @Test func nonASCIISubjectBecomesEncodedWordsThatDecodeBack() {
        let subject = "Bestätige deine E-Mail-Adresse für Steward ✓ — 確認してください 😀 and a long ASCII tail too"
        let rendered = message(subject: subject).rendered(date: date, messageID: "<x@y>")
        let headerBlock = rendered.components(separatedBy: "\r\n\r\n")[0]
        let headerIsASCII = headerBlock.utf8.allSatisfy { $0 < 0x80 }
        #expect(headerIsASCII)
        for line in headerBlock.components(separatedBy: "\r\n") { #expect(line.utf8.count <= 78, "\(line)") }
        let encoded = parseMessage(rendered).headers.value("Subject") ?? ""
        #expect(encoded.hasPrefix("=?UTF-8?B?"))
        #expect(decodeEncodedWords(encoded) == subject)
    }

    @Test func nonASCIIDisplayNameIsEncodedAndQuotesAreEscaped() {
        var mail = message()
        mail.fromName = "Stéward"
        let encoded = parseMessage(mail.rendered(date: date, messageID: "<x@y>")).headers.value("From") ?? ""
        #expect(encoded.hasSuffix(" <noreply@steward.example>"))
        #expect(decodeEncodedWords(String(encoded.dropLast(" <noreply@steward.example>".count))) == "Stéward")

        mail.fromName = "Ste\"ward\\"
        let quoted = parseMessage(mail.rendered(date: date, messageID: "<x@y>")).headers.value("From")
        #expect(quoted == "\"Ste\\\"ward\\\\\" <noreply@steward.example>")
    }

    @Test func headerValuesCannotInjectHeaders() {
        let rendered = message(
            subject: "Hi\r\nBcc: evil@attacker.example",
            headers: [
                MailHeader("X-Note", "a\nCc: evil@attacker.example"), MailHeader("From", "spoof@attacker.example"),
                MailHeader("Content-Type", "text/html"),
            ]
        ).rendered(date: date, messageID: "<x@y>")
        let (headers, _) = parseMessage(rendered)
        #expect(!headers.contains { $0.name.lowercased() == "bcc" || $0.name.lowercased() == "cc" })
        #expect(headers.filter { $0.name == "From" }.count == 1)
        #expect(headers.filter { $0.name == "Content-Type" }.count == 1)
        #expect(headers.value("Subject") == "Hi Bcc: evil@attacker.example")
        #expect(headers.value("X-Note") == "a Cc: evil@attacker.example")
    }

    @Test func multipartAlternativeHasTextThenHTMLBetweenBoundaries() throws {
        let text = "Confirm: https://steward.example/confirm?token=abc\n"
        let html = "<p>Confirm: <a href=\"https://steward.example/confirm?token=abc\">here</a></p>"
        let rendered = message(text: text, html: html).rendered(date: date, messageID: "<x@y>")
        let (headers, body) = parseMessage(rendered)
        let contentType = try #require(headers.value("Content-Type"))
        #expect(contentType.hasPrefix("multipart/alternative;"))
        let boundary = try #require(contentType.components(separatedBy: "boundary=\"").last?.dropLast())
        #expect(!boundary.isEmpty)
        #expect(headers.value("Content-Transfer-Encoding") == nil)

        let delimiter = "--\(boundary)\r\n"
        let closing = "--\(boundary)--\r\n"
        #expect(body.components(separatedBy: delimiter).count - 1 == 2)
        #expect(body.hasSuffix(closing))
        #expect(body.components(separatedBy: "--\(boundary)").count - 1 == 3)

        let parts = body.components(separatedBy: "\r\n--\(boundary)")
        let textPart = parseMessage(String(parts[0].dropFirst(delimiter.count)))
        #expect(parts[1].hasPrefix("\r\n"))
        let htmlPart = parseMessage(String(parts[1].dropFirst()))  // "\r\n" is one Character
        #expect(textPart.headers.value("Content-Type") == "text/plain; charset=UTF-8")
        #expect(htmlPart.headers.value("Content-Type") == "text/html; charset=UTF-8")
        #expect(textPart.headers.value("Content-Transfer-Encoding") == "quoted-printable")
        #expect(decodeQuotedPrintable(textPart.body) == text.replacingOccurrences(of: "\n", with: "\r\n"))
        #expect(decodeQuotedPrintable(htmlPart.body) == html)
    }

    @Test func longUTF8LinesAreSoftBrokenAndDecodeBack() {
        let line = String(repeating: "Grüße aus Köln — 東京 😀 = 100 % ", count: 12) + "trailing space "
        let text = line + "\n\n" + line + "\r\nshort\tline\t"
        let rendered = message(text: text).rendered(date: date, messageID: "<x@y>")
        let body = parseMessage(rendered).body
        let bodyIsASCII = body.utf8.allSatisfy { $0 < 0x80 }
        #expect(bodyIsASCII)
        let lines = body.components(separatedBy: "\r\n")
        #expect(lines.count > 10)
        for line in lines {
            #expect(line.utf8.count <= 76, "\(line)")
            #expect(!line.hasSuffix(" ") && !line.hasSuffix("\t"), "trailing whitespace in \(line)")
        }
        // A multi-byte character's escapes are never split across a soft break.
        let continuationBytes = ["=8", "=9", "=A", "=B"]
        for (index, line) in lines.enumerated() where line.hasSuffix("=") && index + 1 < lines.count {
            #expect(!continuationBytes.contains(String(lines[index + 1].prefix(2))), "split after \(line)")
        }
        #expect(
            decodeQuotedPrintable(body) == text.replacingOccurrences(of: "\r\n", with: "\n")
                .replacingOccurrences(of: "\n", with: "\r\n") + "\r\n")
    }

    @Test func usesCRLFOnlyAndLinesStayWithin998Octets() {
        let hugeWord = String(repeating: "x", count: 2_000)
        let rendered = message(
            subject: hugeWord, text: "one\ntwo\r\nthree\rfour\n" + hugeWord, html: "<p>\(hugeWord)</p>\n",
            headers: [MailHeader("X-Long", hugeWord)]
        ).rendered(date: date, messageID: "<x@y>")
        let bytes = Array(rendered.utf8)
        for (index, byte) in bytes.enumerated() {
            if byte == 10 { #expect(index > 0 && bytes[index - 1] == 13) }
            if byte == 13 { #expect(index + 1 < bytes.count && bytes[index + 1] == 10) }
        }
        #expect(rendered.hasSuffix("\r\n"))
        for line in rendered.components(separatedBy: "\r\n") { #expect(line.utf8.count <= 998) }
        #expect(decodeEncodedWords(parseMessage(rendered).headers.value("Subject") ?? "") == hugeWord)
    }

    @Test func renderingIsDeterministic() {
        let mail = message(text: "a", html: "<b>a</b>")
        #expect(mail.rendered(date: date, messageID: "<x@y>") == mail.rendered(date: date, messageID: "<x@y>"))
        #expect(mail.rendered(date: date, messageID: "<x@y>") != mail.rendered(date: date, messageID: "<z@y>"))
    }

    @Test func outboxMailBecomesAMessageFromTheSender() {
        let mail = OutboxMail(
            id: 7, recipient: "bob@example.org", subject: "Reset", textBody: "t", htmlBody: "h",
            headers: [MailHeader("X-A", "b")], createdAt: 1)
        let message = MailMessage(mail, from: "noreply@steward.example", fromName: "Steward")
        #expect(message.to == "bob@example.org")
        #expect(message.subject == "Reset")
        #expect(message.htmlBody == "h")
        #expect(message.headers == [MailHeader("X-A", "b")])
        #expect(message.from == "noreply@steward.example")
    }
}
