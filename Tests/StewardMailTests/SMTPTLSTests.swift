import Foundation
import NIOCore
import NIOSSL
import StewardMail
import Testing

@Suite struct SMTPTLSTests {
    let date = Date(timeIntervalSince1970: 1_770_127_509)
    let mail = MailMessage(
        from: "noreply@steward.example", to: "alice@example.org", subject: "Reset your password",
        textBody: "Reset: https://steward.example/reset?token=secret\n.\nbye")

    func configuration(
        host: String = "localhost", port: Int, security: SMTPConfiguration.Security, trusting identity: TestIdentity?,
        username: String? = nil, password: String? = nil
    ) -> SMTPConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let identity { tls.trustRoots = .certificates([identity.certificate]) }
        return SMTPConfiguration(
            host: host, port: port, security: security, username: username, password: password,
            sender: "noreply@steward.example", tlsConfiguration: tls, timeout: .seconds(30))
    }

    @Test func startTLSUpgradesThenAuthenticatesAndDelivers() async throws {
        let identity = try sharedTestIdentity.get()
        var behavior = TestSMTPServer.Behavior()
        behavior.tlsIdentity = identity
        behavior.authMechanisms = ["PLAIN", "LOGIN"]
        behavior.credentials = ("steward", "pw")
        try await withServer(behavior) { server in
            let client = SMTPClient(
                configuration: configuration(
                    port: server.port, security: .startTLSRequired, trusting: identity, username: "steward",
                    password: "pw"))
            try await client.send(mail, date: date, messageID: "<tls@steward.example>")

            let received = try #require(server.record.mails.first)
            #expect(received.overTLS)
            #expect(received.authenticatedAs == "steward")
            #expect(received.data == mail.rendered(date: date, messageID: "<tls@steward.example>"))
            // EHLO again after the upgrade; AUTH only after it.
            #expect(server.record.verbs == ["EHLO", "STARTTLS", "EHLO", "AUTH", "MAIL", "RCPT", "DATA", "QUIT"])
        }
    }

    @Test func startTLSRequiredAgainstAServerWithoutItSendsNothing() async throws {
        try await withServer { server in
            let client = SMTPClient(
                configuration: configuration(port: server.port, security: .startTLSRequired, trusting: nil))
            let error = await #expect(throws: SMTPError.self) { try await client.send(mail, date: date) }
            #expect(error?.stage == .starttls)
            #expect(error?.detail.contains("does not offer STARTTLS") == true)
            #expect(server.record.mails.isEmpty)
            #expect(!server.record.verbs.contains("MAIL"))
            #expect(!server.record.verbs.contains("DATA"))
        }
    }

    @Test func startTLSIfOfferedContinuesInPlainTextWithoutIt() async throws {
        try await withServer { server in
            let client = SMTPClient(
                configuration: configuration(port: server.port, security: .startTLSIfOffered, trusting: nil))
            try await client.send(mail, date: date)
            #expect(server.record.mails.first?.overTLS == false)
            #expect(!server.record.verbs.contains("STARTTLS"))
        }
    }

    @Test func startTLSIfOfferedUpgradesWhenOffered() async throws {
        let identity = try sharedTestIdentity.get()
        var behavior = TestSMTPServer.Behavior()
        behavior.tlsIdentity = identity
        try await withServer(behavior) { server in
            let client = SMTPClient(
                configuration: configuration(port: server.port, security: .startTLSIfOffered, trusting: identity))
            try await client.send(mail, date: date)
            #expect(server.record.mails.first?.overTLS == true)
        }
    }

    @Test func untrustedCertificateFailsAtStartTLSAndSendsNothing() async throws {
        let identity = try sharedTestIdentity.get()
        var behavior = TestSMTPServer.Behavior()
        behavior.tlsIdentity = identity
        try await withServer(behavior) { server in
            // Trusts a different certificate than the server's.
            let client = SMTPClient(
                configuration: configuration(
                    port: server.port, security: .startTLSRequired, trusting: try otherTestIdentity.get()))
            let error = await #expect(throws: SMTPError.self) { try await client.send(mail, date: date) }
            #expect(error?.stage == .starttls)
            #expect(error?.detail.contains("TLS") == true, "\(String(describing: error))")
            #expect(server.record.verbs == ["EHLO", "STARTTLS"])
            #expect(server.record.mails.isEmpty)
        }
    }

    @Test func plainTextInjectedAfterTheStartTLSReplyIsRefused() async throws {
        var behavior = TestSMTPServer.Behavior()
        behavior.tlsIdentity = try sharedTestIdentity.get()
        // A man in the middle appends a reply that would be read as if it came over TLS.
        behavior.startTLSReply = ["220 2.0.0 Ready to start TLS", "250-injected", "250 AUTH PLAIN"]
        try await withServer(behavior) { server in
            let client = SMTPClient(
                configuration: configuration(
                    port: server.port, security: .startTLSRequired, trusting: try sharedTestIdentity.get()))
            let error = await #expect(throws: SMTPError.self) { try await client.send(mail, date: date) }
            #expect(error?.stage == .starttls)
            #expect(error?.detail.contains("injection") == true)
            #expect(server.record.mails.isEmpty)
            #expect(!server.record.verbs.contains("MAIL"))
        }
    }

    @Test func implicitTLSToAnIPAddressChecksTheCertificatesIPEntry() async throws {
        let identity = try sharedTestIdentity.get()
        var behavior = TestSMTPServer.Behavior()
        behavior.tlsIdentity = identity
        behavior.implicitTLS = true
        try await withServer(behavior) { server in
            let client = SMTPClient(
                configuration: configuration(
                    host: "127.0.0.1", port: server.port, security: .implicitTLS, trusting: identity))
            try await client.send(mail, date: date, messageID: "<implicit@steward.example>")
            let received = try #require(server.record.mails.first)
            #expect(received.overTLS)
            #expect(received.data == mail.rendered(date: date, messageID: "<implicit@steward.example>"))
            #expect(!server.record.verbs.contains("STARTTLS"))
        }
    }

    @Test func implicitTLSAgainstAPlainServerFailsToConnect() async throws {
        try await withServer { server in
            var configuration = configuration(port: server.port, security: .implicitTLS, trusting: nil)
            configuration.timeout = .seconds(2)
            let error = await #expect(throws: SMTPError.self) {
                try await SMTPClient(configuration: configuration).send(mail, date: date)
            }
            #expect(error?.stage == .connect || error?.stage == .timeout)
            #expect(server.record.mails.isEmpty)
        }
    }
}
