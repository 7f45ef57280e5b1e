import Hummingbird
import StewardStore
import StewardDevices
import StewardAuth
import NIOCore
import StewardCore

/// An error rendered as ThingsBoard renders errors: `{"status","message","errorCode","timestamp"}`.
public struct APIError: HTTPResponseError {
    public var status: HTTPResponse.Status
    public var message: String
    public var errorCode: Int

    public init(status: HTTPResponse.Status, message: String, errorCode: Int) {
        self.status = status
        self.message = message
        self.errorCode = errorCode
    }

    public init(_ error: StewardError) {
        let code: Int
        switch error.kind {
        case .badRequest, .conflict, .payloadTooLarge: code = 31
        case .tooManyRequests: code = 33
        case .unauthorized: code = 10
        case .forbidden: code = 20
        case .notFound: code = 32
        case .timeout, .unavailable, .storageFull, .internal: code = 2
        }
        self.init(status: error.kind.httpStatus, message: error.message, errorCode: code)
    }

    /// Wraps any error; unknown ones become a 500 without internals in the body.
    public static func from(_ error: any Error) -> any Error {
        if error is APIError || error is DeviceAPIError { return error }
        if let error = error as? StewardError { return APIError(error) }
        if let error = error as? any HTTPResponseError { return error }
        if let full = StorageStatus.storageFull(error) { return APIError(full) }
        return APIError(status: .internalServerError, message: "Internal server error", errorCode: 2)
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var body = "{\"status\":\(status.code),\"message\":"
        JSONValue.writeString(message, to: &body)
        body += ",\"errorCode\":\(errorCode),\"timestamp\":\(WallClock.nowMillis())}"
        var response = HTTP.json(body, status: status)
        HTTP.closeIfUnread(&response)
        return response
    }
}

/// Errors of the device API under `/api/v1`, shaped like ThingsBoard's transport: 401 with an empty body for an
/// unknown token, the problem in plain text for a bad payload.
public struct DeviceAPIError: HTTPResponseError {
    public var status: HTTPResponse.Status
    public var message: String

    public init(status: HTTPResponse.Status, message: String) {
        self.status = status
        self.message = message
    }

    public static func from(_ error: any Error) -> any Error {
        if error is DeviceAPIError { return error }
        if let error = error as? StewardError {
            switch error.kind {
            case .badRequest: return DeviceAPIError(status: .badRequest, message: error.message)
            case .unauthorized: return DeviceAPIError(status: .unauthorized, message: "")
            case .notFound: return DeviceAPIError(status: .notFound, message: error.message)
            case .payloadTooLarge: return DeviceAPIError(status: .contentTooLarge, message: error.message)
            case .storageFull, .unavailable, .timeout: return DeviceAPIError(status: error.kind.httpStatus, message: error.message)
            default: return DeviceAPIError(status: .internalServerError, message: error.message)
            }
        }
        if let error = error as? any HTTPResponseError { return error }
        if let full = StorageStatus.storageFull(error) { return DeviceAPIError(status: full.kind.httpStatus, message: full.message) }
        return DeviceAPIError(status: .internalServerError, message: "Internal server error")
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var response =
            message.isEmpty
            ? Response(status: status)
            : Response(
                status: status, headers: [.contentType: "text/plain; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: message)))
        HTTP.closeIfUnread(&response)
        return response
    }
}

/// Response helpers.
enum HTTP {
    static func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func ok() -> Response { Response(status: .ok) }

    /// A 413 leaves the rest of the body unread: `Connection: close` makes the server close the connection after
    /// the answer (see `RequestBoundaryObserver`) instead of reading and discarding what is left.
    static func closeIfUnread(_ response: inout Response) {
        if response.status == .contentTooLarge { response.headers[.connection] = "close" }
    }

    /// Reads the whole body up to `limit` bytes; a bigger body is answered with 413, at once when its
    /// `Content-Length` says so (nothing of it is read, and the 413 closes the connection).
    static func body(_ request: Request, limit: Int) async throws -> ByteBuffer {
        if let declared = request.headers[.contentLength].flatMap({ UInt64($0) }), declared > UInt64(limit) {
            throw StewardError(.payloadTooLarge, "The request body (\(declared) bytes) is larger than \(limit) bytes")
        }
        do {
            return try await request.body.collect(upTo: limit)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw StewardError(.payloadTooLarge, "The request body is larger than \(limit) bytes")
        }
    }
}

extension StewardError.Kind {
    /// The HTTP status the REST API and the console answer this kind of error with.
    var httpStatus: HTTPResponse.Status {
        switch self {
        case .badRequest: .badRequest
        case .unauthorized: .unauthorized
        case .forbidden: .forbidden
        case .notFound: .notFound
        case .conflict: .conflict
        case .payloadTooLarge: .contentTooLarge
        case .tooManyRequests: .tooManyRequests
        case .timeout: .requestTimeout
        case .unavailable: .serviceUnavailable
        case .storageFull: .init(code: 507, reasonPhrase: "Insufficient Storage")
        case .internal: .internalServerError
        }
    }
}
