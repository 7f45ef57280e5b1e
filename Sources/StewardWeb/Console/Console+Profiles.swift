import Foundation
import Hummingbird
import StewardAuth
import StewardCore
import StewardDevices
import StewardStore

/// Device profiles in the console (`/profiles`): the list, adding, changing, the default and deleting, through
/// `DeviceProfiles` (the rules REST follows). Tenant administrators only. A profile's page also shows how the
/// privacy declaration classifies its keys, read-only.
extension Console {
    func registerProfilePages(on router: Router<StewardRequestContext>) {
        router.get("profiles") { request, _ in
            try await signedIn(request) { viewer in
                let tenant = try requireProfileAdmin(viewer)
                return try await profileList(request, viewer, tenant: tenant)
            }
        }
        router.get("profiles/new") { request, _ in
            try await signedIn(request) { viewer in
                _ = try requireProfileAdmin(viewer)
                return profileForm(viewer, profile: nil, values: [:])
            }
        }
        router.post("profiles/new") { request, _ in
            try await signedInForm(request) { viewer, form in
                let tenant = try requireProfileAdmin(viewer)
                do {
                    let profile = try await deviceProfiles.create(tenant: tenant, try profileDraft(form))
                    return redirect("/profiles?saved=\(Self.queryValue(profile.name))")
                } catch let error as StewardError where error.kind == .badRequest || error.kind == .conflict {
                    return profileForm(viewer, profile: nil, values: form.fields, flash: .error(error.message), status: .badRequest)
                }
            }
        }
        router.get("profiles/:profileId") { request, context in
            try await signedIn(request) { viewer in
                let tenant = try requireProfileAdmin(viewer)
                let profile = try await deviceProfiles.profile(tenant: tenant, id: try Self.profileID(context))
                return profileForm(viewer, profile: profile, values: [:])
            }
        }
        router.post("profiles/:profileId") { request, context in
            try await signedInForm(request) { viewer, form in
                let tenant = try requireProfileAdmin(viewer)
                let profile = try await deviceProfiles.profile(tenant: tenant, id: try Self.profileID(context))
                do {
                    var draft = try profileDraft(form)
                    draft.name = profile.name
                    _ = try await deviceProfiles.update(tenant: tenant, id: profile.id, draft)
                    return redirect("/profiles?saved=\(Self.queryValue(profile.name))")
                } catch let error as StewardError where error.kind == .badRequest || error.kind == .conflict {
                    return profileForm(viewer, profile: profile, values: form.fields, flash: .error(error.message), status: .badRequest)
                }
            }
        }
        router.post("profiles/:profileId/default") { request, context in
            try await signedInForm(request) { viewer, _ in
                let tenant = try requireProfileAdmin(viewer)
                let profile = try await deviceProfiles.makeDefault(tenant: tenant, id: try Self.profileID(context))
                return redirect("/profiles?default=\(Self.queryValue(profile.name))")
            }
        }
        router.get("profiles/:profileId/delete") { request, context in
            try await signedIn(request) { viewer in
                let tenant = try requireProfileAdmin(viewer)
                let profile = try await deviceProfiles.profile(tenant: tenant, id: try Self.profileID(context))
                let count = try await deviceProfiles.deviceCounts(tenant: tenant)[profile.id] ?? 0
                return page(
                    viewer, "profile-delete", title: "Delete the profile \(profile.name)?",
                    [
                        "id": profile.id.description, "name": profile.name, "isDefault": profile.isDefault,
                        "devices": count, "inUse": count > 0, "deletable": count == 0 && !profile.isDefault,
                        "oneDevice": count == 1,
                    ])
            }
        }
        router.post("profiles/:profileId/delete") { request, context in
            try await signedInForm(request) { viewer, _ in
                let tenant = try requireProfileAdmin(viewer)
                let profile = try await deviceProfiles.profile(tenant: tenant, id: try Self.profileID(context))
                do {
                    try await deviceProfiles.delete(tenant: tenant, id: profile.id)
                } catch let error as StewardError where error.kind == .badRequest {
                    return errorPage(request, viewer: viewer, error)
                }
                return redirect("/profiles?deleted=\(Self.queryValue(profile.name))")
            }
        }
    }

    var deviceProfiles: DeviceProfiles { DeviceProfiles(devices: deviceService.devices) }

    /// The tenant, when the viewer administers it.
    func requireProfileAdmin(_ viewer: Viewer) throws(StewardError) -> TenantID {
        guard viewer.user.authority == .tenantAdmin, let tenant = viewer.user.tenantID else {
            throw .forbidden("Only tenant administrators manage device profiles")
        }
        return tenant
    }

    static func profileID(_ context: StewardRequestContext) throws(StewardError) -> DeviceProfileID {
        guard let id = DeviceProfileID(context.parameters.get("profileId") ?? "") else {
            throw .notFound("There is no such device profile")
        }
        return id
    }

    static func queryValue(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
    }

    func profileList(_ request: Request, _ viewer: Viewer, tenant: TenantID) async throws -> Response {
        let (profiles, _) = try await deviceProfiles.page(tenant: tenant, textSearch: nil, order: DeviceProfileOrder(property: .name), limit: 1_000, offset: 0)
        let counts = try await deviceProfiles.deviceCounts(tenant: tenant)
        let rows: [[String: Any]] = profiles.map { profile in
            [
                "id": profile.id.description, "name": profile.name, "description": profile.description ?? "",
                "isDefault": profile.isDefault, "inactivity": ProfilePage.words(seconds: profile.inactivityTimeout),
                "ttl": ProfilePage.ttl(profile), "provisioning": ProfilePage.provisioning(profile),
                "devices": counts[profile.id] ?? 0,
            ]
        }
        let query = request.uri.queryParameters
        var flash: Flash?
        if let name = query.get("saved") { flash = .notice("Saved the profile \(name).") }
        if let name = query.get("deleted") { flash = .notice("Deleted the profile \(name).") }
        if let name = query.get("default") { flash = .notice("\(name) is now the default profile: devices added without a profile get it.") }
        return page(viewer, "profiles", title: "Device profiles", ["profiles": rows], flash: flash)
    }

    /// The add or edit form; `values` (a refused form's fields) win over the profile's own.
    func profileForm(
        _ viewer: Viewer, profile: DeviceProfile?, values: [String: String], flash: Flash? = nil, status: HTTPResponse.Status = .ok
    ) -> Response {
        let inactivity = ProfilePage.formValue(seconds: profile?.inactivityTimeout ?? DeviceProfile.defaultInactivityTimeout)
        let ttl = profile?.storageTTL.map(ProfilePage.formValue(seconds:))
        func value(_ name: String, _ fallback: String) -> String { values[name] ?? fallback }
        func units(_ chosen: String) -> [[String: Any]] {
            ProfilePage.units.map { ["name": $0.name, "selected": $0.name == chosen] }
        }
        let strategy = value("provisioning", profile?.provisionStrategy?.rawValue ?? "")
        var data: [String: Any] = [
            "editing": profile != nil, "action": profile.map { "/profiles/\($0.id)" } ?? "/profiles/new",
            "name": value("name", profile?.name ?? ""), "description": value("description", profile?.description ?? ""),
            "inactivityAmount": value("inactivity", inactivity.amount),
            "inactivityUnits": units(value("inactivityUnit", inactivity.unit)),
            "ttlAmount": value("ttl", ttl?.amount ?? ""), "ttlUnits": units(value("ttlUnit", ttl?.unit ?? "days")),
            "provisionOff": strategy.isEmpty, "provisionAllow": strategy == ProvisionStrategy.allowCreateNewDevices.rawValue,
            "provisionCheck": strategy == ProvisionStrategy.checkPreProvisionedDevices.rawValue,
            "provisionKey": value("provisionKey", profile?.provisionKey ?? ""),
            "provisionSecret": value("provisionSecret", profile?.provisionSecret ?? ""),
            "makeDefault": values["makeDefault"] != nil,
        ]
        if let profile {
            data["id"] = profile.id.description
            data["isDefault"] = profile.isDefault
            data["mapping"] = ProfilePage.mapping(profile, privacy: privacy)
            if let ttl = profile.storageTTL { data["ttlWords"] = ProfilePage.words(seconds: ttl) }
        }
        let title = profile.map { "Device profile \($0.name)" } ?? "Add a device profile"
        return page(viewer, "profile-form", title: title, data, flash: flash, status: status)
    }

    /// The form as a draft; the service checks it.
    func profileDraft(_ form: FormBody) throws -> DeviceProfileDraft {
        var strategy: ProvisionStrategy?
        if let text = form["provisioning"], !text.isEmpty {
            guard let parsed = ProvisionStrategy(rawValue: text) else {
                throw StewardError.badRequest("Choose one of the listed provisioning settings")
            }
            strategy = parsed
        }
        let inactivity = try ProfilePage.seconds(amount: form["inactivity"], unit: form["inactivityUnit"], what: "The inactivity timeout")
        let ttl = try ProfilePage.seconds(amount: form["ttl"], unit: form["ttlUnit"], what: "The time readings are kept")
        if strategy != nil, (form["provisionKey"] ?? "").isEmpty || (form["provisionSecret"] ?? "").isEmpty {
            throw StewardError.badRequest("Provisioning needs a provision key and a provision secret: fill in both, or turn provisioning off")
        }
        return DeviceProfileDraft(
            name: form["name"] ?? "", description: form["description"], inactivityTimeout: inactivity ?? DeviceProfile.defaultInactivityTimeout,
            storageTTL: .some(ttl), provisionKey: strategy == nil ? nil : form["provisionKey"],
            provisionSecret: strategy == nil ? nil : form["provisionSecret"], provisionStrategy: strategy,
            makeDefault: form["makeDefault"] != nil)
    }
}
