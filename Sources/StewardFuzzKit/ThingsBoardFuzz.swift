import StewardCore
import StewardDevices

/// Fuzz body for ThingsBoard's typing rules (`ThingsBoardJSON`): device JSON → typed telemetry and attributes.
///
/// The input is parsed with `JSONParser` (inputs it refuses are uninteresting here) and typed as a telemetry
/// payload and as an attribute object. Invariants:
/// - a refusal is a `badRequest` with a message;
/// - keys are never empty nor longer than `ThingsBoardJSON.maximumKeyLength`, `null` members are dropped and
///   every other member is kept, in order;
/// - the stored text of a number is bounded by `ThingsBoardJSON.maximumExactNumberLength` (plus sign, point and
///   leading zero), however the device wrote it (`1e99999` must not become 100,000 digits on disk);
/// - a stored double is finite (an infinite one would be read back as `null`, a silently lost reading);
/// - booleans, longs, strings and JSON values type back to themselves when rendered and typed again, and a
///   JSON value keeps the document it came from.
public enum ThingsBoardFuzz {
    /// The longest text a number may be stored as: the exact digits Steward keeps, a sign, a point, a leading zero.
    public static let storedNumberTextBound = ThingsBoardJSON.maximumExactNumberLength + 3

    public static func run(_ input: UnsafeBufferPointer<UInt8>) {
        guard let json = try? JSONParser.parse(input) else { return }
        do {
            let readings = try ThingsBoardJSON.telemetry(json, serverTs: 1)
            FuzzCheck.require(!readings.isEmpty || json == .array([]), "telemetry \(json.serialized) typed to nothing")
        } catch {
            requireBadRequest(error, json)
        }
        do {
            let typed = try ThingsBoardJSON.keyValues(json)
            checkMembers(of: json, typed: typed)
        } catch {
            requireBadRequest(error, json)
        }
    }

    static func requireBadRequest(_ error: StewardError, _ json: JSONValue) {
        guard error.kind == .badRequest, !error.message.isEmpty else {
            FuzzCheck.fail("\(json.serialized.prefix(200)) was refused with \(error), not a bad request with a message")
        }
    }

    static func checkMembers(of json: JSONValue, typed: [KeyValue]) {
        guard let members = json.objectMembers else { FuzzCheck.fail("keyValues accepted a non-object") }
        let kept = members.filter { $0.value != .null }
        FuzzCheck.require(
            typed.map(\.key) == kept.map(\.key), "keys \(typed.map(\.key)) typed from \(kept.map(\.key))")
        for (member, keyValue) in zip(kept, typed) {
            FuzzCheck.require(
                !member.key.isEmpty && member.key.count <= ThingsBoardJSON.maximumKeyLength,
                "key of \(member.key.count) characters accepted")
            checkValue(keyValue.value, from: member.value)
        }
    }

    static func checkValue(_ value: KVValue, from source: JSONValue) {
        switch (source, value) {
        case (.bool(let b), .bool(let typed)):
            FuzzCheck.require(b == typed, "\(b) typed as \(typed)")
        case (.object, .json(let text)), (.array, .json(let text)):
            FuzzCheck.require((try? JSONParser.parse(text)) == source, "\(source.serialized) stored as \(text)")
        case (.number(let text), _):
            checkNumber(value, sourceText: text)
        case (.string(let s), .string(let typed)):
            FuzzCheck.require(s == typed, "string \(s.debugDescription) stored as \(typed.debugDescription)")
        case (.string(let s), _):
            checkNumber(value, sourceText: s)
        default:
            FuzzCheck.fail("\(source.serialized.prefix(200)) typed as \(value)")
        }
        var rendered = ""
        ThingsBoardJSON.render(value, to: &rendered)
        guard let reparsed = try? JSONParser.parse(rendered) else {
            FuzzCheck.fail("\(value) renders as \(rendered.prefix(200)), which is not JSON")
        }
        switch value {
        case .double:
            return  // Java's rendering of doubles (1.0E20) is not typed back as a double by design
        case .bool, .long, .string, .json:
            let retyped = try? ThingsBoardJSON.value(reparsed, key: "k")
            FuzzCheck.require(retyped == value, "\(value) rendered as \(rendered.prefix(200)) types back as \(String(describing: retyped))")
        }
    }

    static func checkNumber(_ value: KVValue, sourceText: String) {
        switch value {
        case .long:
            return
        case .double(let d):
            FuzzCheck.require(d.isFinite, "\(sourceText.prefix(200)) (\(sourceText.utf8.count) bytes) stored as the double \(d)")
        case .string(let s):
            FuzzCheck.require(
                s.utf8.count <= storedNumberTextBound,
                "the number \(sourceText.prefix(64)) (\(sourceText.utf8.count) bytes) is stored as \(s.utf8.count) bytes of text")
        case .bool, .json:
            FuzzCheck.fail("the number \(sourceText.prefix(200)) typed as \(value)")
        }
    }
}
