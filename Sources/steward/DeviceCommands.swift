import ArgumentParser
import Foundation
import StewardCore
import StewardDevices
import StewardAuth
import StewardServer
import StewardStore

struct DeviceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "device", abstract: "Manage devices.", subcommands: [Create.self, List.self, Delete.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a device and print its access token.")
        @OptionGroup var common: CommonOptions
        @Option(help: "Tenant id or name.") var tenant: String
        @Option(help: "Device name, unique in the tenant.") var name: String
        @Option(help: "Access token (default: 20 random characters).") var token: String?
        @Option(help: "Device type.") var type: String = "default"
        @Option(help: "Device profile name (default: the tenant's default profile).") var profile: String?
        @Flag(help: "Mark the device as a gateway.") var gateway = false

        func run() async throws {
            let steward = try await common.open()
            let tenant = try await Resolver(steward: steward).tenant(tenant)
            var profileID: DeviceProfileID?
            if let profile {
                guard let found = try await steward.devices.profile(tenant: tenant.id, named: profile) else {
                    throw ValidationError("No device profile named '\(profile)'")
                }
                profileID = found.id
            }
            let device: Device
            do {
                device = try await steward.devices.create(
                    tenant: tenant.id,
                    DeviceDraft(name: name, type: profile ?? type, isGateway: gateway, profile: profileID, accessToken: token))
            } catch let error as StewardError where error.kind == .badRequest {
                throw ValidationError(error.message)
            }
            Output.print(Output.device(device), asJSON: common.json, text: "Created device \(device.name) (\(device.id))\nAccess token: \(device.accessToken)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List devices.")
        @OptionGroup var common: CommonOptions
        @Option(help: "Tenant id or name (default: all tenants).") var tenant: String?

        func run() async throws {
            let steward = try await common.open()
            let resolver = Resolver(steward: steward)
            let tenants = try await resolver.tenants(tenant)
            var devices: [Device] = []
            for tenant in tenants {
                devices += try await steward.devices.devices(tenant: tenant.id)
            }
            Output.print(
                .array(devices.map(Output.device)), asJSON: common.json,
                text: devices.map { "\($0.id)  \($0.name)  \($0.type)  token=\($0.accessToken)" }.joined(separator: "\n"))
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a device with all its telemetry and attributes.")
        @OptionGroup var common: CommonOptions
        @Option(help: "Device id or name.") var device: String
        @Option(help: "Tenant id or name.") var tenant: String?

        func run() async throws {
            let steward = try await common.open()
            let device = try await Resolver(steward: steward).device(device, tenant: tenant)
            // Recorded with the deletion: a running server closes the device's sessions within about a second.
            try await steward.devices.delete(tenant: device.tenantID, id: device.id)
            Output.print(.object([JSONMember("deleted", .string(device.id.description))]), asJSON: common.json, text: "Deleted device \(device.name)")
        }
    }
}

struct TelemetryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "telemetry", abstract: "Read telemetry.", subcommands: [Latest.self, Query.self])

    struct Latest: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The newest value of each key.")
        @OptionGroup var common: CommonOptions
        @Option(help: "Device id or name.") var device: String
        @Option(help: "Tenant id or name.") var tenant: String?
        @Option(help: "Comma-separated keys (default: all).") var keys: String?

        func run() async throws {
            let steward = try await common.open()
            let device = try await Resolver(steward: steward).device(device, tenant: tenant)
            let latest = try await steward.deviceService.latest(
                device, keys: keys.map { $0.split(separator: ",").map(String.init) })
            let series = latest.keys.sorted().map { ($0, [latest[$0]!]) }
            Output.print(
                json: ThingsBoardJSON.renderSeries(series.map { ($0.0, $0.1.map(Optional.some)) }, strict: true, nullTs: 0),
                asJSON: common.json,
                text: series.map { "\($0.0) = \($0.1[0].value.stringValue)  (ts \($0.1[0].ts))" }.joined(separator: "\n"))
        }
    }

    struct Query: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "History of keys in [start, end), optionally aggregated.")
        @OptionGroup var common: CommonOptions
        @Option(help: "Device id or name.") var device: String
        @Option(help: "Tenant id or name.") var tenant: String?
        @Option(help: "Comma-separated keys.") var keys: String
        @Option(help: "Start, milliseconds since the epoch (inclusive).") var start: Int64
        @Option(help: "End, milliseconds since the epoch (exclusive).") var end: Int64
        @Option(help: "Points per key when not aggregating.") var limit: Int = 100
        @Option(help: "NONE, AVG, MIN, MAX, SUM or COUNT.") var agg: String = "NONE"
        @Option(help: "Bucket width in milliseconds when aggregating (0: one bucket).") var interval: Int64 = 0
        @Option(help: "ASC or DESC.") var order: String = "DESC"

        func run() async throws {
            guard let aggregation = Aggregation(rawValue: agg.uppercased()) else {
                throw ValidationError("--agg must be NONE, AVG, MIN, MAX, SUM or COUNT")
            }
            guard end >= start, limit > 0, interval >= 0 else { throw ValidationError("Need start <= end, limit > 0, interval >= 0") }
            let steward = try await common.open()
            let device = try await Resolver(steward: steward).device(device, tenant: tenant)
            let keyList = keys.split(separator: ",").map(String.init)
            let query = TimeSeriesQuery(
                keys: keyList, startTs: start, endTs: end, interval: interval, aggregation: aggregation, limit: limit,
                ascending: order.uppercased() == "ASC")
            try query.validate()
            let result = try await steward.deviceService.history(device, query: query)
            let series = keyList.compactMap { key in result[key].map { (key, $0) } }
            Output.print(
                json: ThingsBoardJSON.renderSeries(series.map { ($0.0, $0.1.map(Optional.some)) }, strict: true, nullTs: 0),
                asJSON: common.json,
                text: series.flatMap { key, points in points.map { "\(key)  \($0.ts)  \($0.value.stringValue)" } }.joined(separator: "\n"))
        }
    }
}
