import Foundation
import Hummingbird
import StewardAuth
import StewardCore
import StewardDevices
import StewardStore

/// Adding, changing and deleting devices from the console, through `DeviceManagement` (the same rules as REST and
/// the CLI). Tenant administrators only; deletion first shows what goes, counted.
extension Console {
    func registerDeviceEditing(on router: Router<StewardRequestContext>) {
        router.get("devices/new") { request, _ in
            try await signedIn(request) { viewer in
                let tenant = try requireDeviceAdmin(viewer)
                return try await deviceForm(viewer, tenant: tenant, device: nil, values: [:])
            }
        }
        router.post("devices/new") { request, _ in
            try await signedInForm(request) { viewer, form in
                let tenant = try requireDeviceAdmin(viewer)
                let pages = try devicePagesSetUp()
                do {
                    let choice = try await deviceChoices(form, tenant: tenant)
                    let device = try await pages.management.create(
                        tenant: tenant, DeviceDraft(name: form["name"] ?? "", label: choice.label, profile: choice.profile))
                    if let customer = choice.customer { _ = try await pages.management.assign(tenant: tenant, device: device.id, customer: customer) }
                    if let person = choice.person { try await pages.management.assign(tenant: tenant, device: device.id, person: person) }
                    return redirect("/devices/\(device.id)?created=1")
                } catch let error as StewardError where error.kind == .badRequest || error.kind == .conflict || error.kind == .notFound {
                    return try await deviceForm(viewer, tenant: tenant, device: nil, values: form.fields, flash: .error(error.message), status: .badRequest)
                }
            }
        }
        router.get("devices/:deviceId/edit") { request, context in
            try await signedIn(request) { viewer in
                let tenant = try requireDeviceAdmin(viewer)
                let device = try await visibleDevice(viewer, context)
                return try await deviceForm(viewer, tenant: tenant, device: device, values: [:])
            }
        }
        router.post("devices/:deviceId/edit") { request, context in
            try await signedInForm(request) { viewer, form in
                let tenant = try requireDeviceAdmin(viewer)
                let pages = try devicePagesSetUp()
                let device = try await visibleDevice(viewer, context)
                do {
                    let choice = try await deviceChoices(form, tenant: tenant)
                    _ = try await pages.management.update(
                        tenant: tenant, id: device.id, DeviceDraft(name: form["name"] ?? "", label: choice.label, profile: choice.profile))
                    if choice.customer != device.customerID {
                        _ = try await pages.management.assign(tenant: tenant, device: device.id, customer: choice.customer)
                    }
                    try await pages.management.assign(tenant: tenant, device: device.id, person: choice.person)
                    return redirect("/devices/\(device.id)?saved=1")
                } catch let error as StewardError where error.kind == .badRequest || error.kind == .conflict || error.kind == .notFound {
                    return try await deviceForm(viewer, tenant: tenant, device: device, values: form.fields, flash: .error(error.message), status: .badRequest)
                }
            }
        }
        router.get("devices/:deviceId/delete") { request, context in
            try await signedIn(request) { viewer in
                let tenant = try requireDeviceAdmin(viewer)
                let device = try await visibleDevice(viewer, context)
                let counts = try await devicePagesSetUp().people.dataCounts(device: device.id, tenant: tenant)
                    ?? DeviceDataCounts(readings: 0, attributes: 0, totals: 0)
                return page(
                    viewer, "device-delete", title: "Delete \(device.name)?",
                    [
                        "id": device.id.description, "name": device.name, "readings": counts.readings.formatted(),
                        "attributes": counts.attributes.formatted(), "totals": counts.totals.formatted(),
                        "readingsNoun": counts.readings == 1 ? "reading" : "readings",
                        "attributesNoun": counts.attributes == 1 ? "attribute" : "attributes",
                        "totalsNoun": counts.totals == 1 ? "hourly or daily total" : "hourly and daily totals",
                    ])
            }
        }
        router.post("devices/:deviceId/delete") { request, context in
            try await signedInForm(request) { viewer, _ in
                let tenant = try requireDeviceAdmin(viewer)
                let device = try await visibleDevice(viewer, context)
                try await devicePagesSetUp().management.delete(tenant: tenant, id: device.id)
                return redirect("/devices?deleted=\(device.name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")")
            }
        }
    }

    /// The tenant, when the viewer administers it: only tenant administrators add, change and delete devices.
    func requireDeviceAdmin(_ viewer: Viewer) throws(StewardError) -> TenantID {
        guard viewer.user.authority == .tenantAdmin, let tenant = viewer.user.tenantID else {
            throw .forbidden("Only tenant administrators add, change and delete devices")
        }
        return tenant
    }

    /// The device of the `deviceId` path parameter, when the viewer may see it; anything else is "not found".
    /// The device of the path, if the viewer may see it. Not found (or not theirs) reads as people say it, not as
    /// ThingsBoard's REST wording ("Device with id [...] is not found"), and says the same for both cases.
    func visibleDevice(_ viewer: Viewer, _ context: StewardRequestContext) async throws -> Device {
        do {
            return try await scope.device(WebContext.scope(viewer.principal), id: context.parameters.get("deviceId") ?? "")
        } catch let error as StewardError where error.kind == .notFound {
            throw StewardError.notFound("No such device (it may have been deleted, or it is not yours to see)")
        }
    }

    /// The form's choices, as ids of the tenant's own profiles, customers and users; an unknown one is refused.
    func deviceChoices(_ form: FormBody, tenant: TenantID) async throws
        -> (label: String?, profile: DeviceProfileID?, customer: CustomerID?, person: UserID?)
    {
        guard !(form["name"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw StewardError.badRequest("Give the device a name: it is how you find it in the list")
        }
        let label = (form["label"] ?? "").trimmingCharacters(in: .whitespaces)
        var profile: DeviceProfileID?
        if let text = form["profile"], !text.isEmpty {
            let profiles = try await deviceService.devices.profiles(tenant: tenant)
            guard let id = DeviceProfileID(text), profiles.contains(where: { $0.id == id }) else {
                throw StewardError.badRequest("Choose one of the listed device profiles")
            }
            profile = id
        }
        var customer: CustomerID?
        if let text = form["customer"], !text.isEmpty {
            guard let id = CustomerID(text), try await accounts.customer(tenant: tenant, id: id) != nil else {
                throw StewardError.badRequest("Choose one of the listed customers")
            }
            customer = id
        }
        var person: UserID?
        if let text = form["person"], !text.isEmpty {
            guard let id = UserID(text), try await accounts.accounts.user(tenant: tenant, id: id) != nil else {
                throw StewardError.badRequest("Choose one of the listed people")
            }
            person = id
        }
        return (label.isEmpty ? nil : label, profile, customer, person)
    }

    /// The add or edit form, filled from the device or from what was sent (after an error).
    func deviceForm(
        _ viewer: Viewer, tenant: TenantID, device: Device?, values: [String: String], flash: Flash? = nil,
        status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let profiles = try await deviceService.devices.profiles(tenant: tenant).sorted { $0.name < $1.name }
        let customers = try await accounts.customers(tenant: tenant).sorted { $0.name < $1.name }
        let people = try await scope.users(WebContext.scope(viewer.principal)).sorted { $0.email < $1.email }
        var person: UserID?
        if let device { person = try await devicePagesSetUp().people.person(concerning: device.id, tenant: tenant) }
        let chosenProfile = values["profile"] ?? device?.profileID?.description ?? profiles.first { $0.name == "default" }?.id.description ?? ""
        let chosenCustomer = values["customer"] ?? device?.customerID?.description ?? ""
        let chosenPerson = values["person"] ?? person?.description ?? ""
        let data: [String: Any] = [
            "editing": device != nil, "id": device?.id.description ?? "",
            "action": device.map { "/devices/\($0.id)/edit" } ?? "/devices/new",
            "name": values["name"] ?? device?.name ?? "", "label": values["label"] ?? device?.label ?? "",
            "profiles": profiles.map { ["id": $0.id.description, "name": $0.name, "selected": $0.id.description == chosenProfile] },
            "customers": customers.map { ["id": $0.id.description, "name": $0.name, "selected": $0.id.description == chosenCustomer] },
            "people": people.map {
                let name = [$0.firstName, $0.lastName].compactMap { $0 }.joined(separator: " ")
                return ["id": $0.id.description, "name": name.isEmpty ? $0.email : "\(name) (\($0.email))", "selected": $0.id.description == chosenPerson]
            },
            "noCustomer": chosenCustomer.isEmpty, "noPerson": chosenPerson.isEmpty,
        ]
        return page(viewer, "device-form", title: device.map { "Edit \($0.name)" } ?? "Add a device", data, flash: flash, status: status)
    }
}
