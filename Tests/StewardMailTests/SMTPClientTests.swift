import Foundation
import Logging
import NIOCore
import StewardMail
import Testing

@Suite struct SMTPClientTests {
    let date = Date(timeIntervalSince1970: 1_770_127_509)

    func client(
        port: Int, security: SMTPConfiguration.Security = .none, username: String? = nil,
        password: String? = nil, timeout: TimeAmount = .seconds(30)
    ) -> SMTPClient {
        SMTPClient(
            configuration: SMTPConfiguration(
                host: "127.0.0.1", port: port, security: security, username: username, password: password,
                sender: "noreply@steward.example", senderName: "Steward", timeout: timeout))
    }

    func message(text: String = "Hello Alice") -> MailMessage {
        MailMessage(
            from: "noreply@steward.example", fromName: "Steward", to: "alice@example.org",
            subject: "Confirm your email", textBody: text, htmlBody: "<p>\(text)</p>")
    }

    @Test func deliversOverMultiLineEHLOAndTheServerReceivesTheRenderedMessage() async throws {
        // Lines starting with "." (also a line of just "."), which must survive dot-stuffing.
        let text = "Line one\n.\n.leading dot\n..two dots\nhttps://steward.example/confirm?token=abc"
        let mail = message(text: text)
        try await withServer { server in
            try await client(port: server.port).send(mail, date: date, messageID: "<m1@steward.example>")
            let received = try #require(server.record.mails.first)
            #expect(server.record.mails.count == 1)
            #expect(received.from == "noreply@steward.example")
            #expect(received.recipients == ["alice@example.org"])
            #expect(received.data == mail.rendered(date: date, messageID: "<m1@steward.example>"))
            #expect(received.data.contains("\r\n.leading dot\r\n"))
            #expect(server.record.verbs == ["EHLO", "MAIL", "RCPT", "DATA", "QUIT"])
            #expect(server.record.commands[0] == "EHLO steward.example")

            // And the text decodes back from what the server got.
            let body = parseMessage(received.data).body
            let boundary = try #require(
                parseMessage(received.data).headers.value("Content-Type")?
                    .components(separatedBy: "boundary=\"").last?.dropLast())
            let textPart = body.components(separatedBy: "\r\n--\(boundary)")[0]
            #expect(
                decodeQuotedPrintable(parseMessage(textPart).body) == text.replacingOccurrences(of: "\n", with: "\r\n"))
        }
    }

    @Test func fallsBackToHELOWhenEHLOIsUnknown() async throws {
        var behavior = TestSMTPServer.Behavior()
        behavior.supportsEHLO = false
        try await withServer(behavior) { server in
            try await client(port: server.port).send(message(), date: date)
            #expect(server.record.verbs == ["EHLO", "HELO", "MAIL", "RCPT", "DATA", "QUIT"])
            #expect(server.record.mails.count == 1)
        }
    }

    @Test func permanentRecipientRefusalIsATypedErrorWithTheServerText() async throws {
        var behavior = TestSMTPServer.Behavior()
        behavior.rcptReply = [
            "550-5.1.1 <alice@example.org>: Recipient address rejected:",
            "550 5.1.1 User unknown in virtual mailbox table",
        ]
        try await withServer(behavior) { server in
            let error = await #expect(throws: SMTPError.self) {
                try await client(port: server.port).send(message(), date: date)
            }
            #expect(error?.stage == .rcptTo)
            #expect(error?.code == 550)
            #expect(error?.isPermanent == true)
            #expect(error?.serverText?.contains("Recipient address rejected:") == true)
            #expect(error?.serverText?.contains("User unknown in virtual mailbox table") == true)
            #expect(error?.description.contains("550") == true)
            #expect(server.record.mails.isEmpty)
            #expect(server.record.verbs == ["EHLO", "MAIL", "RCPT", "QUIT"])
        }
    }

    @Test func transientRecipientRefusalIsNotPermanent() async throws {
        var behavior = TestSMTPServer.Behavior()
        behavior.rcptReply = ["450 4.2.0 <alice@example.org>: Recipient address rejected: Greylisted"]
        try await withServer(behavior) { server in
            let error = await #expect(throws: SMTPError.self) {
                try await client(port: server.port).send(message(), date: date)
            }
            #expect(error?.stage == .rcptTo)
            #expect(error?.code == 450)
            #expect(error?.isPermanent == false)
            #expect(error?.isTransient == true)
            #expect(error?.serverText == "4.2.0 <alice@example.org>: Recipient address rejected: Greylisted")
        }
    }

    @Test func refusedMessageAfterDataIsReported() async throws {
        var behavior = TestSMTPServer.Behavior()
        behavior.dataReply = ["554 5.7.1 Message rejected as spam"]
        try await withServer(behavior) { server in
            let error = await #expect(throws: SMTPError.self) {
                try await client(port: server.port).send(message(), date: date)
            }
            #expect(error?.stage == .data)
            #expect(error?.code == 554)
        }
    }

    @Test func refusingGreetingIsAGreetingError() async throws {
        var behavior = TestSMTPServer.Behavior()
        behavior.greeting = ["554-test.local no service for you", "554 go away"]
        try await withServer(behavior) { server in
            let error = await #expect(throws: SMTPError.self) {
                try await client(port: server.port).send(message(), date: date)
            }
            #expect(error?.stage == .greeting)
            #expect(error?.code == 554)
            #expect(error?.serverText == "test.local no service for you go away")
            #expect(server.record.mails.isEmpty)
        }
    }

    @Test func silentServerTimesOut() async throws {
        var behavior = TestSMTPServer.Behavior()
        behavior.stallOn = "MAIL"
        try await withServer(behavior) { server in
            let error = await #expect(throws: SMTPError.self) {
                try await client(port: server.port, timeout: .seconds(1)).send(message(), date: date)
            }
            #expect(error?.stage == .timeout)
            // The stage and the stated limit prove the client's own timeout ended it (no wall-clock assertion).
            #expect(error?.detail.contains("during mailFrom") == true, "\(String(describing: error))")
            #expect(error?.detail.contains("no reply within 1") == true, "\(String(describing: error))")
        }
    }

    @Test func serverThatNeverGreetsTimesOut() async throws {
        var behavior = TestSMTPServer.Behavior()
        behavior.greeting = []
        try await withServer(behavior) { server in
            let error = await #expect(throws: SMTPError.self) {
                try await client(port: server.port, timeout: .milliseconds(500)).send(message(), date: date)
            }
            #expect(error?.stage == .timeout)
            #expect(error?.detail.contains("during greeting") == true, "\(String(describing: error))")
            #expect(server.record.commands.isEmpty)
        }
    }

    @Test func connectionRefusedIsAConnectError() async throws {
        let port = try await TestSMTPServer.unusedPort()
        let error = await #expect(throws: SMTPError.self) {
            try await client(port: port).send(message(), date: date)
        }
        #expect(error?.stage == .connect)
        #expect(error?.code == nil)
        #expect(error?.isPermanent == false)
    }

    @Test func authPlainOverLoopback() async throws {
        var behavior = TestSMTPServer.Behavior()
        behavior.authMechanisms = ["LOGIN", "PLAIN"]
        behavior.credentials = ("steward", "s3cret pass")
        try await withServer(behavior) { server in
            try await client(port: server.port, username: "steward", password: "s3cret pass").send(
                message(), date: date)
            #expect(server.record.mails.first?.authenticatedAs == "steward")
            #expect(server.record.commands.contains { $0.hasPrefix("AUTH PLAIN ") })
        }
    }

    @Test func authLoginWhenPlainIsNotOffered() async throws {
        var behavior = TestSMTPServer.Behavior()
        behavior.authMechanisms = ["LOGIN"]
        behavior.credentials = ("steward", "pw")
        try await withServer(behavior) { server in
            try await client(port: server.port, username: "steward", password: "pw").send(message(), date: date)
            #expect(server.record.mails.first?.authenticatedAs == "steward")
            #expect(server.record.commands.contains("AUTH LOGIN"))
        }
    }

    @Test func wrongPasswordIsAnAuthError() async throws {
        var behavior = TestSMTPServer.Behavior()
        behavior.authMechanisms = ["PLAIN"]
        behavior.credentials = ("steward", "right")
        try await withServer(behavior) { server in
            let error = await #expect(throws: SMTPError.self) {
                try await client(port: server.port, username: "steward", password: "wrong").send(message(), date: date)
            }
            #expect(error?.stage == .auth)
            #expect(error?.code == 535)
            #expect(error?.description.contains("wrong") == false)
            #expect(!server.record.verbs.contains("MAIL"))
        }
    }

    @Test func credentialsWithoutServerAuthFailBeforeMail() async throws {
        try await withServer { server in
            let error = await #expect(throws: SMTPError.self) {
                try await client(port: server.port, username: "steward", password: "pw").send(message(), date: date)
            }
            #expect(error?.stage == .auth)
            #expect(!server.record.verbs.contains("MAIL"))
        }
    }

    @Test func addressesThatCouldInjectCommandsAreRefusedBeforeConnecting() async throws {
        try await withServer { server in
            var mail = message()
            mail.to = "alice@example.org>\r\nRCPT TO:<mallory@attacker.example"
            let error = await #expect(throws: SMTPError.self) {
                try await client(port: server.port).send(mail, date: date)
            }
            #expect(error?.stage == .rcptTo)
            #expect(error?.code == nil)
            #expect(server.record.connections == 0)
        }
    }

    @Test func loopbackDetection() {
        func config(_ host: String) -> SMTPConfiguration { SMTPConfiguration(host: host, sender: "a@b.example") }
        #expect(config("localhost").hostIsLoopback)
        #expect(config("127.0.0.1").hostIsLoopback)
        #expect(config("::1").hostIsLoopback)
        #expect(config("[::1]").hostIsLoopback)
        #expect(!config("smtp.example.com").hostIsLoopback)
        #expect(!config("127.example.com").hostIsLoopback)
        #expect(!config("127.0.0.1.nip.example").hostIsLoopback)
        #expect(!config("10.0.0.1").hostIsLoopback)
    }

    @Test func configurationDescriptionHidesThePassword() {
        let configuration = SMTPConfiguration(
            host: "smtp.example.com", username: "steward", password: "hunter2", sender: "noreply@steward.example")
        #expect(!configuration.description.contains("hunter2"))
        #expect(configuration.description.contains("steward"))
        #expect(configuration.heloName == "steward.example")
        #expect(configuration.security == .startTLSRequired)
    }
}
