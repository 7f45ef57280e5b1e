/// An error a caller can act on. `kind` maps to an HTTP status and ThingsBoard error code at the edge;
/// `message` says what was wrong in words a person can fix.
public struct StewardError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case badRequest
        case unauthorized
        case forbidden
        case notFound
        case conflict
        case payloadTooLarge
        /// The client made too many requests of this kind lately (HTTP 429); the message says when to try again.
        case tooManyRequests
        case timeout
        case unavailable
        /// The disk (or the database's quota) is full: nothing new can be stored until space is freed.
        /// HTTP answers 507, MQTT 5 PUBACK 0x97 (quota exceeded) with a reason string.
        case storageFull
        case `internal`
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    public static func badRequest(_ message: String) -> StewardError { .init(.badRequest, message) }
    public static func notFound(_ message: String) -> StewardError { .init(.notFound, message) }
    public static func unauthorized(_ message: String) -> StewardError { .init(.unauthorized, message) }
    public static func forbidden(_ message: String) -> StewardError { .init(.forbidden, message) }
    public static func conflict(_ message: String) -> StewardError { .init(.conflict, message) }
    public static func storageFull(_ message: String = "Storage full: the server cannot store anything more until disk space is freed")
        -> StewardError { .init(.storageFull, message) }
}
