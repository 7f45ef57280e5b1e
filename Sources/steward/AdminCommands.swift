import ArgumentParser
import Foundation
import StewardAuth
import StewardCore
import StewardDevices
import StewardServer
import StewardStore

/// Looks up tenants, customers and devices by id or by name, the way a person types them.
struct Resolver {
    let steward: Steward

    func tenant(_ text: String) async throws -> Tenant {
        if let id = TenantID(text), let tenant = try await steward.accounts.tenant(id: id) { return tenant }
        if let tenant = try await steward.accounts.tenant(named: text) { return tenant }
        throw ValidationError("No tenant with id or name '\(text)'")
    }

    func customer(_ text: String, tenant: TenantID) async throws -> Customer {
        if let id = CustomerID(text), let customer = try await steward.accounts.customer(tenant: tenant, id: id) { return customer }
        if let customer = try await steward.accounts.customer(tenant: tenant, named: text) { return customer }
        throw ValidationError("No customer with id or name '\(text)' in this tenant")
    }

    /// One tenant when named, else all of them.
    func tenants(_ text: String?) async throws -> [Tenant] {
        if let text { return [try await tenant(text)] }
        return try await steward.accounts.tenants()
    }

    func device(_ text: String, tenant: String?) async throws -> Device {
        let tenants = try await tenants(tenant)
        var found: [Device] = []
        for tenant in tenants {
            if let id = DeviceID(text), let device = try await steward.devices.device(tenant: tenant.id, id: id) { return device }
            if let device = try await steward.devices.device(tenant: tenant.id, named: text) { found.append(device) }
        }
        guard found.count <= 1 else { throw ValidationError("Several tenants have a device named '\(text)'; add --tenant") }
        guard let device = found.first else { throw ValidationError("No device with id or name '\(text)'") }
        return device
    }
}

struct TenantCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tenant", abstract: "Manage tenants.", subcommands: [Create.self, List.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a tenant (with its default device profile).")
        @OptionGroup var common: CommonOptions
        @Option(help: "Tenant name.") var name: String

        func run() async throws {
            let steward = try await common.open()
            let tenant = try await steward.accounts.createTenant(name: name)
            Output.print(Output.tenant(tenant), asJSON: common.json, text: "Created tenant \(tenant.name) (\(tenant.id))")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tenants.")
        @OptionGroup var common: CommonOptions

        func run() async throws {
            let tenants = try await common.open().accounts.tenants()
            Output.print(
                .array(tenants.map(Output.tenant)),
                asJSON: common.json, text: tenants.map { "\($0.id)  \($0.name)" }.joined(separator: "\n"))
        }
    }
}

struct CustomerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "customer", abstract: "Manage customers.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a customer in a tenant.")
        @OptionGroup var common: CommonOptions
        @Option(help: "Tenant id or name.") var tenant: String
        @Option(help: "Customer name.") var name: String

        func run() async throws {
            let steward = try await common.open()
            let tenant = try await Resolver(steward: steward).tenant(tenant)
            let customer = try await steward.accounts.createCustomer(tenant: tenant.id, name: name)
            Output.print(
                .object([
                    JSONMember("id", .string(customer.id.description)), JSONMember("name", .string(customer.name)),
                    JSONMember("tenantId", .string(tenant.id.description)),
                ]),
                asJSON: common.json, text: "Created customer \(customer.name) (\(customer.id))")
        }
    }
}

struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "Manage users.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a user. Without --password the password is read from the terminal (or one line of stdin).")
        @OptionGroup var common: CommonOptions
        @Option(help: "Tenant id or name (not for sys-admin).") var tenant: String?
        @Option(help: "Customer id or name (for customer-user).") var customer: String?
        @Option(help: "Email address, used to sign in.") var email: String
        @Option(help: "sys-admin, tenant-admin or customer-user.") var role: String
        @Option(help: "Password (at least 8 characters).") var password: String?

        func run() async throws {
            guard let authority = Authority(flexible: role) else {
                throw ValidationError("--role must be sys-admin, tenant-admin or customer-user")
            }
            let steward = try await common.open()
            let resolver = Resolver(steward: steward)
            var tenantID: TenantID?
            var customerID: CustomerID?
            if let tenant { tenantID = try await resolver.tenant(tenant).id }
            if let customer {
                guard let tenantID else { throw ValidationError("--customer needs --tenant") }
                customerID = try await resolver.customer(customer, tenant: tenantID).id
            }
            let secret = try password ?? Self.readPassword()
            let user = try await steward.accounts.createUser(
                email: email, password: secret, authority: authority, tenant: tenantID, customer: customerID)
            Output.print(Output.user(user), asJSON: common.json, text: "Created user \(user.email) (\(user.id))")
        }

        static func readPassword() throws -> String {
            if isatty(STDIN_FILENO) == 1, let pointer = getpass("Password: ") {
                return String(cString: pointer)
            }
            guard let line = readLine(strippingNewline: true), !line.isEmpty else {
                throw ValidationError("No password given: pass --password or type it when asked")
            }
            return line
        }
    }
}

struct ProfileCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile", abstract: "Manage device profiles (provisioning).", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a device profile that devices can provision into.")
        @OptionGroup var common: CommonOptions
        @Option(help: "Tenant id or name.") var tenant: String
        @Option(help: "Profile name (also the type of devices it creates).") var name: String
        @Option(help: "Provision device key.") var provisionKey: String?
        @Option(help: "Provision device secret.") var provisionSecret: String?
        @Option(help: "allow-create (new devices) or check-pre-provisioned.") var strategy: String = "allow-create"

        func run() async throws {
            guard let strategy = ProvisionStrategy(flexible: strategy) else {
                throw ValidationError("--strategy must be allow-create or check-pre-provisioned")
            }
            if (provisionKey == nil) != (provisionSecret == nil) {
                throw ValidationError("--provision-key and --provision-secret go together")
            }
            let steward = try await common.open()
            let tenant = try await Resolver(steward: steward).tenant(tenant)
            let profile: DeviceProfile
            do {
                profile = try await steward.devices.createProfile(
                    tenant: tenant.id, name: name, provisionKey: provisionKey, provisionSecret: provisionSecret, strategy: strategy)
            } catch let error as StewardError where error.kind == .badRequest || error.kind == .conflict {
                throw ValidationError(error.message)
            }
            Output.print(
                .object([
                    JSONMember("id", .string(profile.id.description)), JSONMember("name", .string(profile.name)),
                    JSONMember("provisionDeviceKey", provisionKey.map(JSONValue.string) ?? .null),
                ]),
                asJSON: common.json, text: "Created device profile \(profile.name) (\(profile.id))")
        }
    }
}
