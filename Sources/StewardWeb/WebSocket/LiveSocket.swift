import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOWebSocket
import StewardAuth
import StewardCore
import StewardDevices
import StewardStore

/// ThingsBoard's WebSocket endpoints, `/api/ws/plugins/telemetry?token=…` and `/api/ws`, as a thin transport: it
/// authenticates the upgrade, then only moves text frames into a `LiveConnection` (which holds the protocol,
/// `LiveSession`) and frames from its `LiveOutbox` back to the socket.
///
/// Credentials, checked as REST checks them: `?token=<JWT>` (through `AuthService`), or `authCmd` as the first
/// message on `/api/ws`, or the console's session cookie, which is honoured only when the `Origin` header names
/// this very host, so another site cannot open a socket with a visitor's cookie (cross-site WebSocket hijacking).
public struct LiveSocket: Sendable {
    public static let pluginPath = "/api/ws/plugins/telemetry"
    public static let generalPath = "/api/ws"
    /// Frames are read up to twice ThingsBoard's 32 KiB so the session can refuse an oversize message with a reason
    /// (close 1009); larger frames are refused by the WebSocket decoder itself (also 1009).
    public static let maximumFrameBytes = 2 * LiveSession.maximumMessageBytes

    let auth: AuthService
    let service: LiveService
    let logger: Logger

    public init(auth: AuthService, service: LiveService, logger: Logger) {
        self.auth = auth
        self.service = service
        self.logger = logger
    }

    /// The upgrade configuration: frame limit, ThingsBoard's 30 s ping (a peer that stops answering is closed).
    public var configuration: WebSocketServerConfiguration {
        WebSocketServerConfiguration(maxFrameSize: Self.maximumFrameBytes, autoPing: .enabled(timePeriod: .seconds(30)))
    }

    /// Whether to upgrade this request: only the two paths are served; everything else stays HTTP (a 400).
    public func shouldUpgrade(_ request: HTTPRequest) async -> ShouldUpgradeResult<WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>> {
        let uri = URI(request.path ?? "/")
        let format: LiveSession.Format
        switch uri.path {
        case Self.pluginPath: format = .telemetryPlugin
        case Self.generalPath: format = .general
        default: return .dontUpgrade
        }
        let start = await opening(request, uri: uri, format: format)
        let service = self.service
        let auth = self.auth
        let logger = self.logger
        return .upgrade([:]) { inbound, outbound, _ in
            try await Self.serve(start, format: format, service: service, auth: auth, logger: logger, inbound: inbound, outbound: outbound)
        }
    }

    /// How a session begins: authenticated, waiting for `authCmd`, or refused with a reason (sent as the close).
    enum Opening: Sendable {
        /// With the check that the credentials still hold (run every `LiveSession.recheckInterval`).
        case authenticated(LiveAuthentication, revalidate: @Sendable () async -> Bool)
        case awaitingAuthCmd
        case refused(String)
    }

    func opening(_ request: HTTPRequest, uri: URI, format: LiveSession.Format) async -> Opening {
        let auth = self.auth
        if let token = uri.queryParameters.get("token").map { String($0) }, !token.isEmpty {
            switch await Self.authenticate(token, auth: auth) {
            case .success(let authentication):
                return .authenticated(authentication) {
                    if case .success = await Self.authenticate(token, auth: auth) { true } else { false }
                }
            case .failure(let error):
                return .refused("Authentication failed: \(error.message)")
            }
        }
        if let (secret, authentication) = await cookieSession(request) {
            return .authenticated(authentication) { (try? await auth.signIn.webSession(secret: secret)) != nil }
        }
        if format == .general { return .awaitingAuthCmd }
        return .refused("Authentication failed: connect to \(Self.pluginPath)?token=<JWT> (the access token from POST /api/auth/login)")
    }

    /// The console's session, when its cookie comes from a page of this host.
    func cookieSession(_ request: HTTPRequest) async -> (secret: String, authentication: LiveAuthentication)? {
        guard let secret = Self.cookie("steward_session", in: request.headerFields), Self.sameOrigin(request),
            let (session, account) = try? await auth.signIn.webSession(secret: secret)
        else { return nil }
        let principal = Principal(user: account.user, credential: "session:\(session.id)")
        return (secret, LiveAuthentication(scope: WebContext.scope(principal), expiresAt: nil))
    }

    /// Whether `Origin` names the host the request was sent to (browsers always send `Origin` on WebSockets).
    static func sameOrigin(_ request: HTTPRequest) -> Bool {
        guard let origin = request.headerFields[.origin], let host = request.authority else { return false }
        guard let range = origin.range(of: "://") else { return false }
        return origin[range.upperBound...].lowercased() == host.lowercased()
    }

    static func cookie(_ name: String, in headers: HTTPFields) -> String? {
        for header in headers[values: .cookie] {
            for part in header.split(separator: ";") {
                let pair = part.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
                if pair.count == 2, pair[0] == name { return String(pair[1]) }
            }
        }
        return nil
    }

    /// A JWT's principal and expiry, as REST's `X-Authorization: Bearer` checks it.
    static func authenticate(_ token: String, auth: AuthService) async -> Result<LiveAuthentication, StewardError> {
        do {
            let principal = try await auth.principal(fromAccessToken: token)
            return .success(LiveAuthentication(scope: WebContext.scope(principal), expiresAt: expiry(of: token)))
        } catch let error as StewardError {
            return .failure(error)
        } catch {
            return .failure(.unauthorized("Authentication failed"))
        }
    }

    /// The `exp` claim of a token `AuthService` has already verified, in milliseconds.
    static func expiry(of token: String) -> Int64? {
        let parts = token.split(separator: ".")
        guard parts.count == 3 else { return nil }
        var text = parts[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while text.count % 4 != 0 { text += "=" }
        guard let data = Data(base64Encoded: text), let claims = try? JSONParser.parse(Array(data)),
            let seconds = claims["exp"]?.int64Value
        else { return nil }
        return seconds.multipliedReportingOverflow(by: 1000).overflow ? nil : seconds * 1000
    }

    /// One session: frames in, ticks, frames out, until either side closes.
    static func serve(
        _ opening: Opening, format: LiveSession.Format, service: LiveService, auth: AuthService, logger: Logger,
        inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter
    ) async throws {
        if case .refused(let reason) = opening {
            try await outbound.close(.policyViolation, reason: reason)
            return
        }
        var authentication: LiveAuthentication?
        var revalidate: (@Sendable () async -> Bool)?
        if case .authenticated(let found, let check) = opening {
            authentication = found
            revalidate = check
        }
        let connection = LiveConnection(format: format, authentication: authentication, service: service, revalidate: revalidate) {
            token in await authenticate(token, auth: auth)
        }
        let outbox = connection.outbox
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                // Frames out, until the protocol closes or the socket goes.
                for await item in outbox {
                    switch item {
                    case .frame(let text):
                        do { try await outbound.write(.text(text)) } catch { return true }
                    case .close(let code, let reason):
                        // A cut-off client is the operator's business (a dashboard too slow for its data); the rest is routine.
                        logger.log(
                            level: reason.hasPrefix("Too many queued") ? .notice : .debug, "WebSocket session closed",
                            metadata: ["code": "\(code)", "reason": "\(reason)"])
                        try? await outbound.close(.init(codeNumber: Int(code)), reason: reason)
                        return true
                    }
                }
                return true
            }
            group.addTask {
                // The protocol's clock: the authentication deadline and token expiry.
                while !outbox.isClosing {
                    do { try await Task.sleep(for: .seconds(1)) } catch { return false }
                    await connection.handle(.tick)
                }
                return false
            }
            group.addTask {
                // Frames in. An error here (a message over the limit, a protocol error) ends the handler, and the
                // WebSocket layer closes with its code.
                for try await message in inbound.messages(maxSize: maximumFrameBytes) {
                    if case .text(let text) = message {
                        await connection.handle(.text(text))
                    } else {
                        outbox.send(LiveFrames.error(subscriptionID: 0, code: .badRequest, message: "Binary frames are not understood; send JSON text"))
                    }
                    if outbox.isClosing { return false }
                }
                // The client closed: stop the writer.
                await connection.finish()
                return false
            }
            do {
                while let writerDone = try await group.next() {
                    // Once the writer has written the close (or lost the socket), nothing else has work left.
                    if writerDone { group.cancelAll() }
                }
            } catch {
                group.cancelAll()
                await connection.finish()
                throw error
            }
        }
        await connection.finish()
    }
}
