import Foundation
import NIOCore
import NIOSSL
import StewardMail

/// A self-signed certificate for "localhost" and 127.0.0.1, made by openssl once per test run.
let sharedTestIdentity = Result { try TestIdentity.makeSelfSigned() }
/// Another one, which `sharedTestIdentity`'s holder does not trust.
let otherTestIdentity = Result { try TestIdentity.makeSelfSigned() }

/// A private key and its self-signed certificate.
struct TestIdentity: Sendable {
    var certificate: NIOSSLCertificate
    var key: NIOSSLPrivateKey

    struct OpenSSLFailed: Error, CustomStringConvertible {
        var description: String
    }

    static func makeSelfSigned() throws -> TestIdentity {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "steward-mail-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let keyPath = directory.appendingPathComponent("key.pem").path
        let certificatePath = directory.appendingPathComponent("cert.pem").path

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-days", "1",
            "-keyout", keyPath, "-out", certificatePath, "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ]
        let errors = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        let errorOutput = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw OpenSSLFailed(description: "openssl failed: \(String(decoding: errorOutput, as: UTF8.self))")
        }
        return TestIdentity(
            certificate: try NIOSSLCertificate.fromPEMFile(certificatePath)[0],
            key: try NIOSSLPrivateKey(file: keyPath, format: .pem))
    }
}

/// Runs `body` with a started test SMTP server, and stops the server afterwards.
func withServer<T>(
    _ behavior: TestSMTPServer.Behavior = .init(), _ body: (TestSMTPServer) async throws -> T
) async throws -> T {
    let server = try await TestSMTPServer.start(behavior)
    do {
        let result = try await body(server)
        await server.stop()
        return result
    } catch {
        await server.stop()
        throw error
    }
}

/// Polls `condition` until it holds or `timeout` passes; returns whether it held.
func waitUntil(timeout: Duration = .seconds(60), _ condition: () async -> Bool) async -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while clock.now < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return await condition()
}

/// A settable clock in unix milliseconds.
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var millis: Int64

    init(_ millis: Int64) { self.millis = millis }

    var now: Int64 {
        get { lock.withLock { millis } }
        set { lock.withLock { millis = newValue } }
    }
}

/// An in-memory outbox with the semantics the SQLite one has.
actor FakeOutbox: MailOutboxStore {
    struct Row: Sendable {
        var mail: OutboxMail
        var retryAt: Int64
        var sentAt: Int64?
        var lastError: String?
        var markSentCalls = 0
    }

    private(set) var rows: [Int64: Row] = [:]
    private(set) var dueMailCalls = 0
    private var nextID: Int64 = 1

    @discardableResult
    func enqueue(
        to recipient: String, subject: String = "Confirm your email", text: String = "Hello", at createdAt: Int64
    )
        -> Int64
    {
        let id = nextID
        nextID += 1
        rows[id] = Row(
            mail: OutboxMail(id: id, recipient: recipient, subject: subject, textBody: text, createdAt: createdAt),
            retryAt: createdAt)
        return id
    }

    func row(_ id: Int64) -> Row? { rows[id] }

    func dueMail(now: Int64, limit: Int) async throws -> [OutboxMail] {
        dueMailCalls += 1
        return rows.values.filter { $0.sentAt == nil && $0.retryAt <= now }
            .sorted { ($0.mail.createdAt, $0.mail.id) < ($1.mail.createdAt, $1.mail.id) }
            .prefix(limit).map(\.mail)
    }

    func markSent(id: Int64, at: Int64) async throws {
        rows[id]?.sentAt = at
        rows[id]?.markSentCalls += 1
    }

    func markFailed(id: Int64, attempts: Int, retryAt: Int64, error: String) async throws {
        rows[id]?.mail.attempts = attempts
        rows[id]?.retryAt = retryAt
        rows[id]?.lastError = error
    }
}

// MARK: Reading messages back

/// Undoes quoted-printable (soft breaks and =XX escapes); hard line breaks become CRLF.
func decodeQuotedPrintable(_ encoded: String) -> String {
    var bytes: [UInt8] = []
    let lines = encoded.components(separatedBy: "\r\n")
    for (index, line) in lines.enumerated() {
        var characters = Array(line.utf8)
        let soft = characters.last == UInt8(ascii: "=")
        if soft { characters.removeLast() }
        var position = 0
        while position < characters.count {
            if characters[position] == UInt8(ascii: "="), position + 2 < characters.count + 0,
                let byte = UInt8(
                    String(decoding: characters[(position + 1)...(position + 2)], as: UTF8.self), radix: 16)
            {
                bytes.append(byte)
                position += 3
            } else {
                bytes.append(characters[position])
                position += 1
            }
        }
        if !soft && index < lines.count - 1 { bytes += [13, 10] }
    }
    return String(decoding: bytes, as: UTF8.self)
}

/// Splits a message into unfolded headers and the body.
func parseMessage(_ message: String) -> (headers: [(name: String, value: String)], body: String) {
    guard let split = message.range(of: "\r\n\r\n") else { return ([], message) }
    let unfolded = message[..<split.lowerBound].replacingOccurrences(of: "\r\n ", with: " ")
    let headers = unfolded.components(separatedBy: "\r\n").compactMap { line -> (name: String, value: String)? in
        guard let colon = line.firstIndex(of: ":") else { return nil }
        return (String(line[..<colon]), String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces))
    }
    return (headers, String(message[split.upperBound...]))
}

/// Decodes a header value made of RFC 2047 "B" encoded-words (whitespace between them ignored).
func decodeEncodedWords(_ value: String) -> String? {
    var bytes: [UInt8] = []
    for word in value.split(separator: " ") {
        guard word.hasPrefix("=?UTF-8?B?"), word.hasSuffix("?="),
            let data = Data(base64Encoded: String(word.dropFirst(10).dropLast(2)))
        else { return nil }
        bytes += data
    }
    return String(decoding: bytes, as: UTF8.self)
}

extension Array where Element == (name: String, value: String) {
    func value(_ name: String) -> String? { first { $0.name.lowercased() == name.lowercased() }?.value }
}
