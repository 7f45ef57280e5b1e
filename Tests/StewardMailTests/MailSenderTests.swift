import Foundation
import Logging
import NIOCore
import ServiceLifecycle
import StewardMail
import Testing

@Suite struct MailSenderTests {
    let logger = Logger(label: "test.mail-sender")

    func client(port: Int) -> SMTPClient {
        SMTPClient(
            configuration: SMTPConfiguration(
                host: "127.0.0.1", port: port, security: .none, sender: "noreply@steward.example",
                timeout: .seconds(30)))
    }

    /// Runs the sender in the background for the duration of `body`, then cancels it.
    func running<T>(_ sender: MailSender, _ body: () async throws -> T) async throws -> T {
        let task = Task { try await sender.run() }
        do {
            let result = try await body()
            task.cancel()
            try await task.value
            return result
        } catch {
            task.cancel()
            _ = try? await task.value
            throw error
        }
    }

    @Test func retryDelayDoublesFromFiveSecondsUpToAnHour() {
        #expect(MailSender.retryDelay(afterAttempts: 0) == 5_000)
        #expect(MailSender.retryDelay(afterAttempts: 1) == 5_000)
        #expect(MailSender.retryDelay(afterAttempts: 2) == 10_000)
        #expect(MailSender.retryDelay(afterAttempts: 3) == 20_000)
        #expect(MailSender.retryDelay(afterAttempts: 10) == 2_560_000)
        #expect(MailSender.retryDelay(afterAttempts: 11) == 3_600_000)
        #expect(MailSender.retryDelay(afterAttempts: 1_000_000) == 3_600_000)
    }

    @Test func deliversEachMailOnceInOrderAndMarksItSent() async throws {
        let server = try await TestSMTPServer.start()
        let store = FakeOutbox()
        let clock = TestClock(1_000_000)
        let first = await store.enqueue(to: "first@example.org", at: 999_000)
        let second = await store.enqueue(to: "second@example.org", at: 999_500)
        let sender = MailSender(
            store: store, client: client(port: server.port), logger: logger, pollInterval: .milliseconds(20),
            now: { clock.now })

        try await running(sender) {
            #expect(await waitUntil { await store.row(second)?.sentAt != nil })
            // Several more polls: nothing is sent again.
            try await Task.sleep(for: .milliseconds(200))
        }
        await server.stop()
        #expect(server.record.mails.map(\.recipients) == [["first@example.org"], ["second@example.org"]])
        #expect(await store.row(first)?.sentAt == 1_000_000)
        #expect(await store.row(first)?.markSentCalls == 1)
        #expect(await store.row(second)?.markSentCalls == 1)
        #expect(await store.row(first)?.mail.attempts == 0)
        let messageID = parseMessage(try #require(server.record.mails.first).data).headers.value("Message-ID")
        #expect(messageID == "<outbox-\(first).999000@steward.example>")
    }

    @Test func keepsMailQueuedWithBackoffWhileTheServerIsDownAndDeliversWhenItIsBack() async throws {
        let port = try await TestSMTPServer.unusedPort()
        let store = FakeOutbox()
        let start: Int64 = 1_000_000
        let clock = TestClock(start)
        let id = await store.enqueue(to: "alice@example.org", at: start)
        let sender = MailSender(
            store: store, client: client(port: port), logger: logger, pollInterval: .milliseconds(20),
            now: { clock.now })

        let server: TestSMTPServer = try await running(sender) {
            // First attempt fails: refused connection.
            #expect(await waitUntil { await store.row(id)?.mail.attempts == 1 })
            var row = try #require(await store.row(id))
            #expect(row.sentAt == nil)
            #expect(row.retryAt == start + 5_000)
            #expect(row.lastError?.contains("connect") == true)

            // Not due yet: many polls later there is still one attempt.
            try await Task.sleep(for: .milliseconds(200))
            #expect(await store.row(id)?.mail.attempts == 1)

            // Due, still down: second attempt, backoff doubles.
            clock.now = start + 5_000
            #expect(await waitUntil { await store.row(id)?.mail.attempts == 2 })
            row = try #require(await store.row(id))
            #expect(row.retryAt == start + 5_000 + 10_000)
            #expect(row.sentAt == nil)

            // The server comes back; once the mail is due it is delivered.
            let server = try await TestSMTPServer.start(port: port)
            clock.now = start + 15_000
            #expect(await waitUntil { await store.row(id)?.sentAt != nil })
            return server
        }
        await server.stop()
        #expect(server.record.mails.count == 1)
        #expect(server.record.mails.first?.recipients == ["alice@example.org"])
        #expect(await store.row(id)?.sentAt == start + 15_000)
    }

    @Test func permanentRefusalStaysQueuedForRetry() async throws {
        var behavior = TestSMTPServer.Behavior()
        behavior.rcptReply = ["550 5.1.1 <Nobody@example.org>: User unknown"]
        let server = try await TestSMTPServer.start(behavior)
        let store = FakeOutbox()
        let clock = TestClock(50_000)
        let id = await store.enqueue(to: "nobody@example.org", at: 50_000)
        let sender = MailSender(
            store: store, client: client(port: server.port), logger: logger, pollInterval: .milliseconds(20),
            now: { clock.now })
        try await running(sender) {
            #expect(await waitUntil { await store.row(id)?.mail.attempts == 1 })
        }
        await server.stop()
        let row = try #require(await store.row(id))
        #expect(row.sentAt == nil)
        #expect(row.retryAt == 55_000)
        #expect(row.lastError?.contains("550") == true)
        #expect(row.lastError?.contains("User unknown") == true)
        // The server echoed the address; the record keeps the reason, not the address (it is sealed elsewhere).
        #expect(row.lastError?.contains("<recipient>") == true)
        #expect(row.lastError?.lowercased().contains("nobody@example.org") == false)
    }

    @Test func wakeSendsBeforeThePollInterval() async throws {
        let server = try await TestSMTPServer.start()
        let store = FakeOutbox()
        let clock = TestClock(1_000)
        let sender = MailSender(
            store: store, client: client(port: server.port), logger: logger, pollInterval: .seconds(3_600),
            now: { clock.now })
        try await running(sender) {
            // The first sweep found nothing; the next poll is an hour away.
            #expect(await waitUntil { await store.dueMailCalls >= 1 })
            let id = await store.enqueue(to: "alice@example.org", at: 1_000)
            sender.wake()
            #expect(await waitUntil(timeout: .seconds(60)) { await store.row(id)?.sentAt != nil })
        }
        await server.stop()
        #expect(server.record.mails.count == 1)
    }

    @Test func stopsOnGracefulShutdown() async throws {
        let store = FakeOutbox()
        let sender = MailSender(
            store: store, client: client(port: 1), logger: logger, pollInterval: .seconds(3_600), now: { 0 })
        let group = ServiceGroup(services: [sender], logger: logger)
        let finished = TestClock(0)
        let task = Task {
            try await group.run()
            finished.now = 1
        }
        #expect(await waitUntil { await store.dueMailCalls >= 1 })
        await group.triggerGracefulShutdown()
        #expect(await waitUntil(timeout: .seconds(60)) { finished.now == 1 })
        task.cancel()
        try await task.value
    }

    @Test func refusesToRunTwice() async throws {
        let store = FakeOutbox()
        let sender = MailSender(
            store: store, client: client(port: 1), logger: logger, pollInterval: .seconds(3_600), now: { 0 })
        try await running(sender) {
            #expect(await waitUntil { await store.dueMailCalls >= 1 })
            await #expect(throws: MailSenderAlreadyRunning.self) { try await sender.run() }
        }
    }
}
