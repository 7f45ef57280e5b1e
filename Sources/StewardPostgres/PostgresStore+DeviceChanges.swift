import Foundation
import StewardCore
import StewardStore

// UNBUILT: placeholders until the PostgreSQL DeviceChangeLog is written; every one fails loudly.
extension PostgresStore: DeviceChangeLog {
    public func deviceChanges(after id: Int64, limit: Int) async throws -> [DeviceChange] { throw Unbuilt.error(#function) }
    public func lastDeviceChangeID() async throws -> Int64 { throw Unbuilt.error(#function) }
    public func pruneDeviceChanges(before time: Int64) async throws { throw Unbuilt.error(#function) }
    public func forgetCachedState(of devices: [DeviceID]) { fatalError("unbuilt: \(#function)") }
    public func onLocalDeviceChanges(_ handler: @escaping @Sendable () -> Void) { fatalError("unbuilt: \(#function)") }
}
