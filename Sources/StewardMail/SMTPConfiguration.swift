import Foundation
import NIOCore
import NIOSSL

/// How to reach the mail server (the submission service of a provider or a local relay).
///
/// The defaults are the safe ones: port 587 with STARTTLS required, so a misconfigured server fails loudly
/// instead of receiving password-reset links in clear text.
public struct SMTPConfiguration: Sendable {
    /// How the connection is protected.
    public enum Security: Sendable, Equatable {
        /// Plain text throughout. Only sensible for a relay on the same machine or network.
        case none
        /// Upgrades with STARTTLS when the server offers it, otherwise continues in plain text (credentials are
        /// still never sent in plain text to a non-loopback host).
        case startTLSIfOffered
        /// Upgrades with STARTTLS and fails before sending anything if the server does not offer it.
        case startTLSRequired
        /// TLS from the first byte ("SMTPS", usually port 465).
        case implicitTLS
    }

    public var host: String
    public var port: Int
    public var security: Security
    /// Credentials for AUTH PLAIN (or LOGIN). They are sent only over TLS, or in plain text to a loopback host.
    public var username: String?
    /// Never logged, and left out of `description`.
    public var password: String?
    /// The name the client gives in EHLO/HELO.
    public var heloName: String
    /// Envelope MAIL FROM and the From: header address; bounces go here.
    public var sender: String
    /// From: display name, such as "Steward".
    public var senderName: String?
    /// Trust roots, certificate verification and so on, for STARTTLS and implicit TLS.
    public var tlsConfiguration: TLSConfiguration
    /// How long to wait for each reply (and for the TCP connection) before giving up.
    public var timeout: TimeAmount

    /// - Parameter heloName: defaults to the domain of `sender`, a name the server can resolve.
    public init(
        host: String, port: Int = 587, security: Security = .startTLSRequired, username: String? = nil,
        password: String? = nil, heloName: String? = nil, sender: String, senderName: String? = nil,
        tlsConfiguration: TLSConfiguration = .makeClientConfiguration(), timeout: TimeAmount = .seconds(30)
    ) {
        self.host = host
        self.port = port
        self.security = security
        self.username = username
        self.password = password
        self.heloName = heloName ?? SMTPConfiguration.domain(of: sender) ?? "localhost"
        self.sender = sender
        self.senderName = senderName
        self.tlsConfiguration = tlsConfiguration
        self.timeout = timeout
    }

    /// True when `host` names this machine, where plain-text AUTH cannot be overheard on the network.
    public var hostIsLoopback: Bool {
        let host = self.host.lowercased().trimmingCharacters(in: ["[", "]"])
        if host == "localhost" || host == "::1" || host == "0:0:0:0:0:0:0:1" { return true }
        // 127.0.0.0/8, as a literal address only: "127.example.com" is somebody else's name.
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets.allSatisfy { UInt8($0) != nil } && octets[0] == "127"
    }

    /// The part after the last "@" of an address, if any.
    static func domain(of address: String) -> String? {
        guard let at = address.lastIndex(of: "@") else { return nil }
        let domain = address[address.index(after: at)...]
        return domain.isEmpty ? nil : String(domain)
    }
}

extension SMTPConfiguration: CustomStringConvertible {
    /// Describes the configuration for logs, with the password left out.
    public var description: String {
        var text = "smtp://\(host):\(port) security=\(security) sender=\(sender)"
        if let username { text += " username=\(username) password=\(password == nil ? "<none>" : "<redacted>")" }
        return text
    }
}
