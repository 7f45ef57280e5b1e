import StewardCore
import Testing

@testable import StewardWeb

/// The device pages' small decisions: connection examples for the address the browser used, which keys are a
/// position, which keys the chart shows first, attribute values typed from text, and the tile origin for the CSP.
@Suite struct DevicePageTests {
    @Test func connectionExamplesUseTheBrowsersHostAndTheMQTTPort() {
        let plain = ConnectionExamples(authority: "iot.example.org:8080", secure: false, mqttPort: 1884, token: "T0KEN")
        #expect(plain.mosquitto == "mosquitto_pub -h iot.example.org -p 1884 -u T0KEN -t v1/devices/me/telemetry -m '{\"temperature\":21}'")
        #expect(plain.curl.hasSuffix(" http://iot.example.org:8080/api/v1/T0KEN/telemetry"))
        #expect(plain.python.contains("TBDeviceMqttClient(\"iot.example.org\", port=1884, username=\"T0KEN\")"))
        let secure = ConnectionExamples(authority: "[::1]:8443", secure: true, mqttPort: 1883, token: "t")
        #expect(secure.host == "[::1]" && secure.bareHost == "::1")
        #expect(secure.curl.contains("https://[::1]:8443/api/v1/t/telemetry"))
        #expect(ConnectionExamples.hostPart("example.org") == "example.org")
    }

    @Test func positionsAreFoundByTheirUsualKeys() {
        #expect(DevicePosition.keys(in: ["speed", "latitude", "longitude"])! == ("latitude", "longitude"))
        #expect(DevicePosition.keys(in: ["lat", "lng"])! == ("lat", "lng"))
        #expect(DevicePosition.keys(in: ["lat", "lon", "x"])! == ("lat", "lon"))
        #expect(DevicePosition.keys(in: ["lat", "temperature"]) == nil)
    }

    @Test func theChartFirstShowsOneKeyThatIsNotAPosition() {
        let keys = Console.chartKeys(["latitude", "longitude", "speed", "temperature"])
        #expect(keys.map { $0["key"] as? String } == ["latitude", "longitude", "speed", "temperature"])
        #expect(keys.map { $0["checked"] as? Bool } == [false, false, true, false])
        #expect(Console.chartKeys(["lat", "lon"]).map { $0["checked"] as? Bool } == [true, false])
    }

    @Test func attributeValuesAreTypedFromText() {
        #expect(Console.attributeValue("22") == .long(22))
        #expect(Console.attributeValue("21.5") == .double(21.5))
        #expect(Console.attributeValue("true") == .bool(true))
        #expect(Console.attributeValue("eco mode") == .string("eco mode"))
        #expect(Console.attributeValue("\"22\"") == .string("\"22\""))
        #expect(Console.attributeValue(#"{"a":1}"#) == .json(#"{"a":1}"#))
    }

    @Test func theTileOriginGoesIntoTheContentSecurityPolicy() {
        #expect(DevicePageSettings(mapTiles: "https://tiles.example.org:8443/{z}/{x}/{y}.png").tileOrigin == "https://tiles.example.org:8443")
        #expect(DevicePageSettings(mapTiles: nil).tileOrigin == nil)
    }
}
