import Foundation
import StewardCore
import StewardDevices
import StewardTesting
import Testing

/// A dashboard layout is read and checked as a whole; every refusal names the widget.
@Suite struct DashboardLayoutTests {
    let device = DeviceID()

    func layout(_ widgets: String) -> String { #"{"widgets":[\#(widgets)]}"# }

    @Test func aGoodLayoutRoundTrips() throws {
        let text = layout(
            #"{"kind":"timeseries","title":"Heat","devices":["\#(device)"],"keys":["temperature"],"x":0,"y":0,"w":8,"h":5},"#
                + #"{"kind":"rpc","devices":["\#(device)"],"method":"reboot","x":8,"w":4}"#)
        let read = try DashboardLayout.parse(text)
        #expect(read.widgets.map(\.kind) == [.timeseries, .rpc])
        #expect(read.widgets[1].method == "reboot" && read.widgets[1].w == 4 && read.widgets[1].h == 4)
        #expect(try DashboardLayout.parse(read.json) == read)
    }

    @Test(arguments: [
        (#"{"kind":"gauge","title":"Dial","devices":["DEV"]}"#, "Widget 1 (“Dial”): unknown kind 'gauge'; use one of timeseries, latest"),
        (#"{"kind":"latest","devices":["DEV"]}"#, "Widget 1: name the keys to show"),
        (#"{"kind":"map","devices":[]}"#, "Widget 1: name at least one device"),
        (#"{"kind":"map","devices":["nope"]}"#, #"Widget 1: "nope" is not a device id"#),
        (#"{"kind":"map","devices":["DEV"],"x":8,"w":6}"#, "Widget 1: it does not fit the grid: x 8 + w 6 is more than 12 columns"),
        (#"{"kind":"map","devices":["DEV"],"h":0}"#, #"Widget 1: "h" must be a whole number from 1 to 12"#),
        (#"{"kind":"map","devices":["DEV"],"w":"wide"}"#, #"Widget 1: "w" must be a whole number from 1 to 12"#),
        (#"{"kind":"rpc","devices":["DEV"]}"#, #"Widget 1: a command button needs the "method""#),
        (#"7"#, "Widget 1 is not a JSON object"),
    ])
    func badWidgetsAreRefusedNamingTheWidget(widget: String, message: String) {
        let text = layout(widget.replacingOccurrences(of: "DEV", with: device.description))
        #expect {
            try DashboardLayout.parse(text)
        } throws: { error in
            (error as? StewardError)?.message.hasPrefix(message) == true
        }
    }

    @Test func notALayoutAtAll() {
        #expect(throws: StewardError.self) { try DashboardLayout.parse("{") }
        #expect(throws: StewardError.self) { try DashboardLayout.parse(#"{"widget":[]}"#) }
    }

    @Test func aForeignDeviceIsRefusedNamingTheWidget() async throws {
        let store = InMemoryDeviceStore()
        let tenant = TenantID(), other = TenantID()
        let mine = Device(tenantID: tenant, name: "mine", accessToken: "t-mine", createdTime: 1)
        let theirs = Device(tenantID: other, name: "theirs", accessToken: "t-theirs", createdTime: 1)
        try await store.createDevice(mine)
        try await store.createDevice(theirs)
        let service = DashboardService(devices: store)
        _ = try await service.check(layout: layout(#"{"kind":"map","devices":["\#(mine.id)"]}"#), tenant: tenant)
        await #expect {
            try await service.check(
                layout: layout(#"{"kind":"map","devices":["\#(mine.id)"]},{"kind":"switch","title":"Pump","devices":["\#(theirs.id)"]}"#),
                tenant: tenant)
        } throws: { error in
            (error as? StewardError)?.message == "Widget 2 (“Pump”): device \(theirs.id) is not one of your devices"
        }
    }

    @Test func aProfilesDefaultDashboardChartsItsKeys() {
        let layout = DashboardService.defaultLayout(devices: [device], keys: ["humidity", "temperature"])
        #expect(layout.widgets.map(\.kind) == [.timeseries, .latest])
        #expect(layout.widgets[0].keys == ["humidity", "temperature"] && layout.widgets[0].devices == [device])
        #expect(DashboardService.defaultLayout(devices: [], keys: ["t"]).widgets.isEmpty)
    }
}
