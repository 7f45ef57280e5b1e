import Foundation
import NIOCore
import StewardWeb

extension ServerConfiguration {
    /// `STEWARD_HTTP_READ_TIMEOUT`, `STEWARD_HTTP_IDLE_TIMEOUT` (seconds), `STEWARD_HTTP_MAX_CONNECTIONS`,
    /// `STEWARD_HTTP_MAX_CONNECTIONS_PER_ADDRESS` and
    /// `STEWARD_MAX_DATABASE_SIZE` (bytes, at least 1 MiB). An unusable value is recorded in `invalidSettings`, so
    /// `steward serve` refuses to start and names it instead of running without the limit.
    mutating func applyStorageAndHTTPEnvironment(_ environment: [String: String]) {
        if let value = Self.positive(environment, "STEWARD_HTTP_READ_TIMEOUT", &invalidSettings) { httpReadTimeoutSeconds = value }
        if let value = Self.positive(environment, "STEWARD_HTTP_IDLE_TIMEOUT", &invalidSettings) { httpIdleTimeoutSeconds = value }
        if let value = Self.positive(environment, "STEWARD_HTTP_MAX_CONNECTIONS", &invalidSettings) { httpMaximumConnections = Int(value) }
        if let value = Self.positive(environment, "STEWARD_HTTP_MAX_CONNECTIONS_PER_ADDRESS", &invalidSettings) {
            httpMaximumConnectionsPerAddress = Int(value)
        }
        if let text = environment["STEWARD_MAX_DATABASE_SIZE"] {
            if let value = Self.byteSize(text), value >= Self.minimumDatabaseSize {
                maximumDatabaseSize = value
            } else {
                invalidSettings.append(
                    "STEWARD_MAX_DATABASE_SIZE=\(text) (expected a size in bytes of at least \(Self.minimumDatabaseSize), optionally with K, M, G or T)")
            }
        }
    }

    /// A database quota below this could not even hold a new installation's tables.
    static let minimumDatabaseSize: Int64 = 1 << 20

    /// `1048576`, `512M`, `20G`… (binary multiples).
    static func byteSize(_ text: String) -> Int64? {
        var digits = text.trimmingCharacters(in: .whitespaces).uppercased()
        if digits.hasSuffix("B") { digits.removeLast() }
        var shift: Int64 = 0
        switch digits.last {
        case "K": shift = 10
        case "M": shift = 20
        case "G": shift = 30
        case "T": shift = 40
        default: break
        }
        if shift > 0 { digits.removeLast() }
        guard let number = Int64(digits), number > 0 else { return nil }
        let (value, overflow) = number.multipliedReportingOverflow(by: 1 << shift)
        return overflow ? nil : value
    }

    /// The HTTP limits `steward serve` enforces; `connectionBudget` is how many connections the open-file limit
    /// permits (MQTT and HTTP together).
    func httpLimits(connectionBudget: Int) -> HTTPLimits {
        HTTPLimits(
            readTimeout: .seconds(httpReadTimeoutSeconds), idleTimeout: .seconds(httpIdleTimeoutSeconds),
            maximumConnections: httpMaximumConnections ?? min(HTTPLimits.defaultMaximumConnections, max(64, connectionBudget / 4)),
            maximumConnectionsPerAddress: httpMaximumConnectionsPerAddress)
    }
}
