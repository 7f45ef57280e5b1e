import Foundation
import HTTPTypes
import Hummingbird
import StewardAuth
import StewardCore
import StewardStore

/// Records every HTTP request as a diagnostic record kept apart from identity (promise MS-4): time, method, the route
/// PATTERN (`context.endpointPath`, never the concrete path, which can carry ids and tokens), status, duration,
/// browser and OS family, `X-App-Version` and the network. No user, device, session, token, query string, body or
/// full address is read. The record's reference goes into the context before the route runs (so an error page can
/// show it) and, on an error status, into the `X-Steward-Reference` header. Successful device-API calls are only
/// counted per day. Nothing here waits on the database: records go to `DiagnosticsRecorder`.
struct DiagnosticsMiddleware: RouterMiddleware {
    typealias Context = StewardRequestContext
    static let referenceHeader = HTTPField.Name("X-Steward-Reference")!
    static let appVersionHeader = HTTPField.Name("X-App-Version")!
    /// Longest app version kept.
    static let appVersionLength = 32

    let recorder: DiagnosticsRecorder
    let now: @Sendable () -> Int64

    init(recorder: DiagnosticsRecorder, now: @escaping @Sendable () -> Int64 = WallClock.nowMillis) {
        self.recorder = recorder
        self.now = now
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let deviceAPI = request.uri.path.hasPrefix("/api/v1/")
        var context = context
        // The device API's successes get no record of their own, so no reference either (made below on an error).
        if !deviceAPI { context.diagnosticReference = DiagnosticReference.make() }
        do {
            var response = try await next(request, context)
            if let reference = record(request, context, status: response.status, since: start, deviceAPI: deviceAPI) {
                response.headers[Self.referenceHeader] = reference
            }
            return response
        } catch let error as any HTTPResponseError {
            let reference = record(request, context, status: error.status, since: start, deviceAPI: deviceAPI)
            // The answer the router would make of the error, made here so it can carry the reference.
            guard let reference, var response = try? error.response(from: request, context: context) else { throw error }
            response.headers[Self.referenceHeader] = reference
            return response
        } catch {
            // Anything else becomes a bare 500 at the top; it is recorded as one and left to take that path.
            _ = record(request, context, status: .internalServerError, since: start, deviceAPI: deviceAPI)
            throw error
        }
    }

    /// Records the request; returns the reference to send back: one for every error status, none for a success.
    func record(_ request: Request, _ context: Context, status: HTTPResponse.Status, since start: ContinuousClock.Instant, deviceAPI: Bool)
        -> String?
    {
        let elapsed = ContinuousClock.now - start
        let duration = max(0, elapsed.components.seconds * 1_000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
        let family = UserAgentFamily.parse(request.headers[.userAgent])
        let route = context.endpointPath ?? "(no route)"
        let appVersion = Self.appVersion(request.headers[Self.appVersionHeader])
        let time = now()
        if deviceAPI, status.code < 400 {
            recorder.count(
                DiagnosticDay(
                    day: DiagnosticEvent.day(of: time), method: request.method.rawValue, route: route, status: status.code,
                    browser: family.browser, os: family.os, appVersion: appVersion, count: 1, durationSumMillis: duration,
                    durationMaxMillis: duration))
            return nil
        }
        let reference = context.diagnosticReference ?? DiagnosticReference.make()
        recorder.record(
            DiagnosticEvent(
                id: reference, time: time, method: request.method.rawValue, route: route, status: status.code,
                durationMillis: duration, browser: family.browser, os: family.os, appVersion: appVersion,
                network: Self.network(context.remoteAddress?.ipAddress)))
        return status.code >= 400 ? reference : nil
    }

    /// What the client says its version is: at most 32 printable ASCII characters; anything else is dropped.
    static func appVersion(_ header: String?) -> String {
        guard let header else { return "" }
        var kept: [UInt8] = []
        for byte in header.utf8 where byte >= 0x20 && byte < 0x7F {
            kept.append(byte)
            if kept.count == appVersionLength { break }
        }
        return String(decoding: kept, as: UTF8.self).trimmingCharacters(in: .whitespaces)
    }

    /// The address with its host part removed; empty when there is none (a Unix socket, a test).
    static func network(_ address: String?) -> String {
        guard let address, !address.isEmpty else { return "" }
        return ClientInfo(ip: address, client: "").network
    }
}
