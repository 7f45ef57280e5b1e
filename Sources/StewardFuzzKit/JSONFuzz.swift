import StewardCore

/// Fuzz body for `JSONParser`, the strict byte-level parser every device payload and REST body goes through.
///
/// Invariants for every input the parser accepts:
/// - serializing and parsing again gives the same value, and serializing that gives the same text;
/// - insignificant whitespace around the document changes nothing;
/// - the parser's error, when it refuses, points inside the input (or just past its end).
public enum JSONFuzz {
    public static func run(_ input: UnsafeBufferPointer<UInt8>) {
        let value: JSONValue
        do {
            value = try JSONParser.parse(input)
        } catch {
            FuzzCheck.require(
                error.offset >= 0 && error.offset <= input.count && !error.reason.isEmpty,
                "refusal at offset \(error.offset) of \(input.count) bytes: '\(error.reason)'")
            return
        }
        let text = value.serialized
        let again: JSONValue
        do {
            again = try JSONParser.parse(text)
        } catch {
            FuzzCheck.fail("serialized \(text.debugDescription) does not parse: \(error)")
        }
        FuzzCheck.require(again == value, "\(FuzzCheck.hex(input)) serialized as \(text.debugDescription) parses as \(again)")
        FuzzCheck.require(again.serialized == text, "serialization is unstable: \(text.debugDescription) then \(again.serialized.debugDescription)")

        let padded = [0x20, 0x0A] + Array(input) + [0x0D, 0x09]
        FuzzCheck.require(
            (try? JSONParser.parse(padded)) == value, "surrounding whitespace changed the value of \(FuzzCheck.hex(input))")
    }
}
