import StewardCore
import StewardStore

extension DeviceService {
    /// Tells feed subscribers about attributes that are now stored; costs one atomic load when nobody listens.
    func publishAttributes(_ device: Device, scope: AttributeScope, change: AttributeChange.Change, ts: Int64) {
        let feed = writer.feed
        guard feed.hasSubscribers else { return }
        feed.publish(.attributes(AttributeChange(tenant: device.tenantID, device: device.id, scope: scope, change: change, ts: ts)))
    }
}
