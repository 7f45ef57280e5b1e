import Foundation
import Hummingbird

/// Copy-ready ways to connect a device to THIS server, from the address the browser used (the request's Host) and the
/// configured MQTT port: `mosquitto_pub`, `curl` to the HTTP device API, and ThingsBoard's Python SDK.
struct ConnectionExamples {
    /// The host name or address, without a port (`[::1]` kept in brackets).
    var host: String
    /// `http://host:8080`, as the browser reached the console.
    var httpBase: String
    var mqttPort: Int
    var token: String

    init(request: Request, secure: Bool, mqttPort: Int, token: String) {
        let authority = request.head.authority ?? "localhost"
        self.init(authority: authority, secure: secure, mqttPort: mqttPort, token: token)
    }

    init(authority: String, secure: Bool, mqttPort: Int, token: String) {
        host = Self.hostPart(authority)
        httpBase = "\(secure ? "https" : "http")://\(authority)"
        self.mqttPort = mqttPort
        self.token = token
    }

    /// `example.org:8080` → `example.org`; `[::1]:8080` → `[::1]`.
    static func hostPart(_ authority: String) -> String {
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") { return String(authority[...close]) }
        if let colon = authority.lastIndex(of: ":"), authority.filter({ $0 == ":" }).count == 1 { return String(authority[..<colon]) }
        return authority
    }

    /// The host as a command-line argument: brackets dropped for IPv6 (mosquitto and paho take the bare address).
    var bareHost: String { host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host }

    var mosquitto: String {
        "mosquitto_pub -h \(bareHost) -p \(mqttPort) -u \(token) -t v1/devices/me/telemetry -m '{\"temperature\":21}'"
    }

    var curl: String {
        "curl -X POST -H 'Content-Type: application/json' -d '{\"temperature\":21}' \(httpBase)/api/v1/\(token)/telemetry"
    }

    var python: String {
        """
        # pip install tb-mqtt-client
        from tb_device_mqtt import TBDeviceMqttClient, TBPublishInfo
        client = TBDeviceMqttClient("\(bareHost)", port=\(mqttPort), username="\(token)")
        client.connect()
        result = client.send_telemetry({"temperature": 21})
        print("sent" if result.get() == TBPublishInfo.TB_ERR_SUCCESS else "failed")
        client.disconnect()
        """
    }

    func templateData(open: Bool) -> [String: Any] {
        ["token": token, "mosquitto": mosquitto, "curl": curl, "python": python, "open": open, "host": bareHost, "mqttPort": mqttPort]
    }
}
