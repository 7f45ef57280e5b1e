import StewardCore
import StewardStore
import StewardTesting
import Testing

@testable import StewardDevices

/// Provisioning against an in-memory store (StewardDevicesTests cannot use the SQLite store). spec §1.11.
@Suite struct ProvisioningServiceTests {
    let store = InMemoryDeviceStore()
    let tenant = TenantID()
    let allowProfile: DeviceProfile
    let checkProfile: DeviceProfile

    init() async throws {
        allowProfile = DeviceProfile(
            tenantID: tenant, name: "thermostats", provisionKey: "allow-key", provisionSecret: "allow-secret",
            provisionStrategy: .allowCreateNewDevices, createdTime: 1)
        checkProfile = DeviceProfile(
            tenantID: tenant, name: "meters", provisionKey: "check-key", provisionSecret: "check-secret",
            provisionStrategy: .checkPreProvisionedDevices, createdTime: 2)
        try await store.createProfile(allowProfile)
        try await store.createProfile(checkProfile)
    }

    var service: ProvisioningService { ProvisioningService(devices: store) }

    func provision(_ payload: String) async throws -> JSONValue {
        let response = await service.provision(payload: Array(payload.utf8))
        return try JSONParser.parse(response)
    }

    func allowRequest(_ extra: String) -> String {
        #"{"provisionDeviceKey":"allow-key","provisionDeviceSecret":"allow-secret"\#(extra)}"#
    }

    @Test func successCreatesTheDeviceWithTheRequestedToken() async throws {
        let response = try await provision(allowRequest(#","deviceName":"dev-1","token":"tok-1""#))
        #expect(response == .object([
            JSONMember("credentialsValue", .string("tok-1")),
            JSONMember("credentialsType", .string("ACCESS_TOKEN")),
            JSONMember("status", .string("SUCCESS")),
        ]))
        let device = try #require(try await store.device(tenant: tenant, named: "dev-1"))
        #expect(device.accessToken == "tok-1")
        #expect(device.profileID == allowProfile.id)
        #expect(device.type == "thermostats")
        #expect(device.isGateway == false)
        #expect(device.customerID == nil)
        #expect(try await store.device(accessToken: "tok-1")?.id == device.id)
    }

    @Test func successGeneratesATokenWhenNoneIsGiven() async throws {
        let response = try await provision(allowRequest(#","deviceName":"dev-2""#))
        #expect(response["status"] == .string("SUCCESS"))
        let token = try #require(response["credentialsValue"]?.stringValue)
        #expect(token.count == 20)
        #expect(token.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) })
        #expect(try await store.device(accessToken: token)?.name == "dev-2")
    }

    @Test func emptyTokenMeansGenerate() async throws {
        let response = try await provision(allowRequest(#","deviceName":"dev-3","token":"""#))
        let token = try #require(response["credentialsValue"]?.stringValue)
        #expect(token.count == 20)
    }

    @Test func gatewayFlagAndTrimmedName() async throws {
        let response = try await provision(allowRequest(#","deviceName":"  gw-1 ","gateway":true"#))
        #expect(response["status"] == .string("SUCCESS"))
        let device = try #require(try await store.device(tenant: tenant, named: "gw-1"))
        #expect(device.isGateway)
    }

    @Test func missingNameGetsAGeneratedOne() async throws {
        let response = try await provision(allowRequest(""))
        #expect(response["status"] == .string("SUCCESS"))
        let devices = store.allDevices
        #expect(devices.count == 1)
        #expect(devices.first?.name.isEmpty == false)
    }

    @Test func blankNameIsAFailure() async throws {
        let response = try await provision(allowRequest(#","deviceName":"   ""#))
        #expect(response["status"] == .string("FAILURE"))
        #expect(store.allDevices.isEmpty)
    }

    @Test func wrongSecretIsNotFound() async throws {
        let response = try await provision(
            #"{"deviceName":"d","provisionDeviceKey":"allow-key","provisionDeviceSecret":"allow-secreT"}"#)
        #expect(response == .object([
            JSONMember("errorMsg", .string("Provision data was not found!")),
            JSONMember("status", .string("NOT_FOUND")),
        ]))
        #expect(store.allDevices.isEmpty)
    }

    @Test(arguments: [
        #"{"deviceName":"d","provisionDeviceSecret":"allow-secret"}"#,
        #"{"deviceName":"d","provisionDeviceKey":"allow-key"}"#,
        #"{"deviceName":"d","provisionDeviceKey":"unknown","provisionDeviceSecret":"allow-secret"}"#,
        #"{"deviceName":"d","provisionDeviceKey":"check-key","provisionDeviceSecret":"allow-secret"}"#,
        #"{"deviceName":"d","provisionDeviceKey":5,"provisionDeviceSecret":"allow-secret"}"#,
        #"{}"#,
    ])
    func missingOrUnknownDataIsNotFound(_ payload: String) async throws {
        let response = try await provision(payload)
        #expect(response["status"] == .string("NOT_FOUND"))
        #expect(response["errorMsg"] == .string("Provision data was not found!"))
        #expect(store.allDevices.isEmpty)
    }

    @Test func profileWithoutStrategyIsNotFound() async throws {
        try await store.createProfile(
            DeviceProfile(tenantID: tenant, name: "nostrategy", provisionKey: "k3", provisionSecret: "s3", createdTime: 3))
        let response = try await provision(#"{"deviceName":"d","provisionDeviceKey":"k3","provisionDeviceSecret":"s3"}"#)
        #expect(response["status"] == .string("NOT_FOUND"))
    }

    @Test func existingNameIsAFailure() async throws {
        let existing = Device(tenantID: tenant, name: "taken", accessToken: "old-token", createdTime: 1)
        try await store.createDevice(existing)
        let response = try await provision(allowRequest(#","deviceName":"taken","token":"new-token""#))
        #expect(response["status"] == .string("FAILURE"))
        #expect(response["errorMsg"]?.stringValue?.hasPrefix("Failed to provision device!") == true)
        #expect(try await store.device(accessToken: "new-token") == nil)
        #expect(store.allDevices == [existing])
    }

    @Test func takenTokenIsAFailure() async throws {
        try await store.createDevice(Device(tenantID: TenantID(), name: "elsewhere", accessToken: "dup", createdTime: 1))
        let response = try await provision(allowRequest(#","deviceName":"fresh","token":"dup""#))
        #expect(response["status"] == .string("FAILURE"))
        #expect(try await store.device(tenant: tenant, named: "fresh") == nil)
    }

    @Test func checkPreProvisionedReturnsTheExistingToken() async throws {
        try await store.createDevice(
            Device(tenantID: tenant, profileID: checkProfile.id, name: "meter-1", accessToken: "meter-token", createdTime: 1))
        let response = try await provision(
            #"{"deviceName":"meter-1","provisionDeviceKey":"check-key","provisionDeviceSecret":"check-secret","token":"ignored"}"#)
        #expect(response == .object([
            JSONMember("credentialsValue", .string("meter-token")),
            JSONMember("credentialsType", .string("ACCESS_TOKEN")),
            JSONMember("status", .string("SUCCESS")),
        ]))
        #expect(store.allDevices.count == 1)
    }

    @Test func checkPreProvisionedFailsWhenTheDeviceIsAbsent() async throws {
        let response = try await provision(
            #"{"deviceName":"meter-2","provisionDeviceKey":"check-key","provisionDeviceSecret":"check-secret"}"#)
        #expect(response["status"] == .string("FAILURE"))
        #expect(store.allDevices.isEmpty)
    }

    @Test func checkPreProvisionedFailsForADeviceOfAnotherProfile() async throws {
        try await store.createDevice(
            Device(tenantID: tenant, profileID: allowProfile.id, name: "meter-3", accessToken: "t3", createdTime: 1))
        let response = try await provision(
            #"{"deviceName":"meter-3","provisionDeviceKey":"check-key","provisionDeviceSecret":"check-secret"}"#)
        #expect(response["status"] == .string("FAILURE"))
        #expect(response["credentialsValue"] == nil)
    }

    @Test(arguments: ["not json", "", #"{"provisionDeviceKey":"allow-key""#, #"["allow-key"]"#, "42"])
    func nonObjectPayloadIsAFailure(_ payload: String) async throws {
        let response = try await provision(payload)
        #expect(response["status"] == .string("FAILURE"))
        #expect(response["errorMsg"]?.stringValue?.isEmpty == false)
    }

    @Test(arguments: ["MQTT_BASIC", "X509_CERTIFICATE", "access_token"])
    func unsupportedCredentialsTypeIsAFailure(_ type: String) async throws {
        let response = try await provision(allowRequest(#","deviceName":"d","credentialsType":"\#(type)""#))
        #expect(response["status"] == .string("FAILURE"))
        #expect(store.allDevices.isEmpty)
    }

    @Test func explicitAccessTokenCredentialsTypeIsAccepted() async throws {
        let response = try await provision(allowRequest(#","deviceName":"d","credentialsType":"ACCESS_TOKEN","token":"t""#))
        #expect(response["status"] == .string("SUCCESS"))
        #expect(response["credentialsValue"] == .string("t"))
    }

    @Test func constantTimeEquals() {
        #expect(ProvisioningService.constantTimeEquals("secret", "secret"))
        #expect(ProvisioningService.constantTimeEquals("", ""))
        #expect(!ProvisioningService.constantTimeEquals("secret", "secreT"))
        #expect(!ProvisioningService.constantTimeEquals("secret", "secret2"))
        #expect(!ProvisioningService.constantTimeEquals("secret", "secre"))
        #expect(!ProvisioningService.constantTimeEquals("a", ""))
        // A shorter string padded with NULs must not equal it.
        #expect(!ProvisioningService.constantTimeEquals("ab\u{0}", "ab"))
    }
}
