import Foundation
import StewardCore
import StewardStore

/// Device provisioning: a device that knows its profile's key and secret gets (or creates) its credentials.
/// Answers always carry a `status` (SUCCESS, NOT_FOUND, FAILURE), never a transport error, as ThingsBoard's do.
public struct ProvisioningService: Sendable {
    /// Creates devices under the same rules as every other transport.
    public let management: DeviceManagement
    var devices: any DeviceStore { management.devices }

    public init(management: DeviceManagement) {
        self.management = management
    }

    /// Provisioning over a bare store (tests): creation needs nothing else.
    public init(devices: any DeviceStore) {
        self.init(management: DeviceManagement(devices: devices))
    }

    /// Handles one provisioning request and returns the response JSON.
    public func provision(payload: some Collection<UInt8>) async -> String {
        let json: JSONValue
        do {
            json = try JSONParser.parse(payload)
        } catch {
            return Self.failure("FAILURE", "Provision request is not valid JSON: \(error.description)")
        }
        guard case .object = json else { return Self.failure("FAILURE", "Provision request must be a JSON object") }
        guard let key = json["provisionDeviceKey"]?.stringValue, let secret = json["provisionDeviceSecret"]?.stringValue
        else {
            return Self.failure("NOT_FOUND", "Provision data was not found!")
        }
        do {
            guard let profile = try await devices.profile(provisionKey: key), let expected = profile.provisionSecret,
                Self.constantTimeEquals(expected, secret), let strategy = profile.provisionStrategy
            else {
                return Self.failure("NOT_FOUND", "Provision data was not found!")
            }
            let credentialsType = json["credentialsType"]?.stringValue ?? "ACCESS_TOKEN"
            guard credentialsType == "ACCESS_TOKEN" else {
                return Self.failure("FAILURE", "Credentials type \(credentialsType) is not supported; use ACCESS_TOKEN")
            }
            let requestedName = json["deviceName"]?.stringValue
            if let requestedName, requestedName.trimmingCharacters(in: .whitespaces).isEmpty {
                return Self.failure("FAILURE", "Failed to provision device! deviceName must not be blank")
            }
            let name = requestedName?.trimmingCharacters(in: .whitespaces) ?? RandomToken.alphanumeric(length: 12)
            let existing = try await devices.device(tenant: profile.tenantID, named: name)
            switch strategy {
            case .allowCreateNewDevices:
                if existing != nil { return Self.failure("FAILURE", "Failed to provision device! A device named \(name) exists") }
                let token = json["token"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
                if let token, try await devices.device(accessToken: token) != nil {
                    return Self.failure("FAILURE", "Failed to provision device! The requested token is taken")
                }
                let draft = DeviceDraft(
                    name: name, type: profile.name, isGateway: json["gateway"] == .bool(true), profile: profile.id,
                    accessToken: token)
                let device: Device
                do {
                    device = try await management.create(tenant: profile.tenantID, draft)
                } catch let error as StewardError where error.kind == .badRequest {
                    return Self.failure("FAILURE", "Failed to provision device! \(error.message)")
                }
                return Self.success(token: device.accessToken)
            case .checkPreProvisionedDevices:
                guard let existing, existing.profileID == profile.id else {
                    return Self.failure("FAILURE", "Failed to provision device! Device \(name) was not pre-provisioned")
                }
                return Self.success(token: existing.accessToken)
            }
        } catch {
            return Self.failure("FAILURE", "Failed to provision device!")
        }
    }

    static func success(token: String) -> String {
        "{\"credentialsValue\":\(JSONValue.quoted(token)),\"credentialsType\":\"ACCESS_TOKEN\",\"status\":\"SUCCESS\"}"
    }

    static func failure(_ status: String, _ message: String) -> String {
        "{\"errorMsg\":\(JSONValue.quoted(message)),\"status\":\"\(status)\"}"
    }

    /// Compares secrets without leaking, through timing, how many leading characters matched.
    static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var difference = UInt8(x.count == y.count ? 0 : 1)
        for i in 0..<max(x.count, y.count) {
            difference |= (i < x.count ? x[i] : 0) ^ (i < y.count ? y[i] : 0)
        }
        return difference == 0
    }
}
