import StewardCore

/// ThingsBoard's `TelemetrySubscriptionUpdate` as text:
/// `{"subscriptionId":1,"errorCode":0,"errorMsg":null,"data":{"t":[[1715321875739,"25.1"]]},"latestValues":{"t":1715321875739}}`.
/// Values are strings, as ThingsBoard sends them; `latestValues` holds each key's newest timestamp in the frame.
public enum LiveFrames {
    /// One key's points, oldest first as ThingsBoard lists updates.
    public typealias Series = (key: String, points: [(ts: Int64, value: KVValue)])

    /// An answer or update carrying data.
    public static func update(subscriptionID: Int, series: [Series]) -> String {
        var out = "{\"subscriptionId\":\(subscriptionID),\"errorCode\":0,\"errorMsg\":null,\"data\":{"
        var latest = "{"
        for (index, entry) in series.enumerated() {
            if index > 0 {
                out += ","
                latest += ","
            }
            JSONValue.writeString(entry.key, to: &out)
            out += ":["
            var newest: Int64?
            for (i, point) in entry.points.enumerated() {
                if i > 0 { out += "," }
                out += "[\(point.ts),"
                JSONValue.writeString(point.value.stringValue, to: &out)
                out += "]"
                newest = max(newest ?? point.ts, point.ts)
            }
            out += "]"
            JSONValue.writeString(entry.key, to: &latest)
            latest += ":\(newest ?? 0)"
        }
        return out + "},\"latestValues\":" + latest + "}}"
    }

    /// A refusal of one command (or of the whole message, with subscription id 0); the session goes on. As ThingsBoard
    /// serialises it: `data` null, `latestValues` empty.
    public static func error(subscriptionID: Int, code: LiveErrorCode, message: String) -> String {
        var out = "{\"subscriptionId\":\(subscriptionID),\"errorCode\":\(code.rawValue),\"errorMsg\":"
        JSONValue.writeString(message, to: &out)
        return out + ",\"data\":null,\"latestValues\":{}}"
    }
}
