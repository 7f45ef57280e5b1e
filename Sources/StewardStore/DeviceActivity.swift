import StewardCore

/// When devices last reported, for a page of them at once (the console's device list): one query per page, never one
/// per device. Read from the latest-values table the ingest path already keeps, so no write is added to ingest.
extension TelemetryStore {
    /// The fallback for stores without a batch query (test doubles): one `latest` per device. Backends override it.
    public func newestReadingTimesOneByOne(tenant: TenantID, devices: [DeviceID]) async throws -> [DeviceID: Int64] {
        var result: [DeviceID: Int64] = [:]
        for device in devices {
            guard let latest = try? await latest(tenant: tenant, device: device, keys: nil) else { continue }
            if let newest = latest.values.map(\.ts).max() { result[device] = newest }
        }
        return result
    }

    public func newestReadingTimes(tenant: TenantID, devices: [DeviceID]) async throws -> [DeviceID: Int64] {
        try await newestReadingTimesOneByOne(tenant: tenant, devices: devices)
    }
}
