import Foundation
import Logging
import ServiceLifecycle

/// The background sender: delivers the outbox through `SMTPClient`, oldest mail first, and reschedules failures
/// with exponential backoff. A ServiceLifecycle `Service`.
///
/// A mail leaves the outbox only through `markSent`. Every failure, including a 5xx "permanent" refusal (servers
/// misreport, and a fixed configuration turns it into a success), is recorded with `markFailed` and tried again
/// later; so a mail server that is down delays mail but never loses it. Delivery is at least once: if the store
/// fails to record a success, the mail is sent again.
public final class MailSender: Service, Sendable {
    /// How many mails one store query fetches.
    static let batchSize = 20
    /// First retry delay, doubled per failure.
    static let baseRetryDelay: Int64 = 5_000
    static let maximumRetryDelay: Int64 = 3_600_000

    let store: any MailOutboxStore
    let client: SMTPClient
    let logger: Logger
    let pollInterval: Duration
    let now: @Sendable () -> Int64
    private let signal = WakeSignal()

    /// - Parameters:
    ///   - pollInterval: how often to look for due mail (retries come due without a wake).
    ///   - now: the clock, unix milliseconds; tests pass their own.
    public init(
        store: any MailOutboxStore, client: SMTPClient, logger: Logger, pollInterval: Duration = .seconds(2),
        now: @escaping @Sendable () -> Int64 = { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }
    ) {
        self.store = store
        self.client = client
        self.logger = logger
        self.pollInterval = pollInterval
        self.now = now
    }

    /// Delay before attempt n+1 after n failures: 5 s, 10 s, 20 s … capped at 1 hour, in milliseconds. Doubling
    /// keeps a brief outage brief, and the cap keeps a long one from pushing mail days out.
    public static func retryDelay(afterAttempts attempts: Int) -> Int64 {
        guard attempts > 1 else { return baseRetryDelay }
        let doublings = min(attempts - 1, 20)  // 5 s << 20 is far beyond the cap; stops overflow.
        return min(baseRetryDelay << Int64(doublings), maximumRetryDelay)
    }

    /// Sends what is due right away instead of waiting for the next poll. Call after committing a transaction
    /// that enqueued mail; cheap, and safe from any thread.
    public func wake() {
        signal.signal()
    }

    /// Delivers due mail until graceful shutdown (or cancellation). A mail being sent when shutdown begins is
    /// finished, so its outcome is recorded; no new one is started. Runs once per instance (a second call throws
    /// `MailSenderAlreadyRunning`): the store has no claim on a mail, and two loops would send it twice.
    public func run() async throws {
        guard signal.claimConsumer() else { throw MailSenderAlreadyRunning() }
        logger.info(
            "mail sender started",
            metadata: ["smtp.server": "\(client.configuration.host):\(client.configuration.port)"])
        let signal = self.signal
        await withGracefulShutdownHandler {
            while !signal.isStopped && !Task.isCancelled {
                await deliverDueMail()
                await signal.wait(timeout: pollInterval)
            }
        } onGracefulShutdown: {
            signal.stop()
        }
        logger.info("mail sender stopped")
    }

    /// Sends due mail in order until none is due, the server looks unreachable, or the store fails.
    func deliverDueMail() async {
        while !signal.isStopped && !Task.isCancelled {
            let batch: [OutboxMail]
            do {
                batch = try await store.dueMail(now: now(), limit: Self.batchSize)
            } catch {
                logger.error(
                    "could not read the mail outbox; retrying at the next poll", metadata: ["error": "\(error)"])
                return
            }
            for mail in batch {
                guard !signal.isStopped && !Task.isCancelled else { return }
                switch await deliver(mail) {
                case .sent, .refused: continue
                case .serverUnreachable, .storeFailed: return
                }
            }
            if batch.count < Self.batchSize { return }
        }
    }

    enum Outcome {
        case sent
        /// The server refused this mail; others may still go through.
        case refused
        /// Connecting or the session setup failed: the next mails would fail the same way, so wait.
        case serverUnreachable
        /// The outcome could not be recorded; stop rather than loop over the same mail.
        case storeFailed
    }

    /// One attempt at one mail, with its outcome recorded in the store.
    func deliver(_ mail: OutboxMail) async -> Outcome {
        var logger = self.logger
        logger[metadataKey: "mail.id"] = "\(mail.id)"
        logger.debug("sending mail", metadata: ["mail.id": "\(mail.id)", "mail.subject": "\(mail.subject)"])
        let configuration = client.configuration
        let message = MailMessage(mail, from: configuration.sender, fromName: configuration.senderName)
        let domain = SMTPConfiguration.domain(of: configuration.sender) ?? configuration.heloName
        // Stable across retries, so a duplicate from a lost 250 carries the same Message-ID.
        let messageID = "<outbox-\(mail.id).\(mail.createdAt)@\(domain)>"
        do {
            try await client.send(message, messageID: messageID)
        } catch {
            return await recordFailure(of: mail, error: error, logger: logger)
        }
        do {
            try await store.markSent(id: mail.id, at: now())
            logger.info("mail sent", metadata: ["mail.attempts": "\(mail.attempts + 1)"])
            return .sent
        } catch {
            logger.error(
                "mail was sent but could not be marked sent; it will be sent again", metadata: ["error": "\(error)"])
            return .storeFailed
        }
    }

    private func recordFailure(of mail: OutboxMail, error: SMTPError, logger: Logger) async -> Outcome {
        let attempts = mail.attempts + 1
        let delay = Self.retryDelay(afterAttempts: attempts)
        // Servers echo the address in refusals ("550 <a@b>: no such user"); neither the log nor the outbox, where
        // the address itself is sealed, keeps it in the clear.
        let described = error.description.replacingOccurrences(of: mail.recipient, with: "<recipient>", options: .caseInsensitive)
        let metadata: Logger.Metadata = [
            "mail.attempts": "\(attempts)", "mail.retry_in_s": "\(delay / 1000)", "error": "\(described)",
        ]
        if error.isPermanent {
            logger.error(
                "mail server refused the mail permanently; it stays queued and will be retried", metadata: metadata)
        } else {
            logger.warning("mail delivery failed; will retry", metadata: metadata)
        }
        do {
            try await store.markFailed(
                id: mail.id, attempts: attempts, retryAt: now() + delay, error: described)
        } catch {
            logger.error("could not record the failed mail attempt", metadata: ["error": "\(error)"])
            return .storeFailed
        }
        switch error.stage {
        case .mailFrom, .rcptTo, .data: return .refused
        case .connect, .greeting, .ehlo, .starttls, .auth, .timeout: return .serverUnreachable
        }
    }
}

/// `MailSender.run()` was called while it was already running.
public struct MailSenderAlreadyRunning: Error, CustomStringConvertible {
    public var description: String { "MailSender.run() is already running; run one sender per outbox" }
}
