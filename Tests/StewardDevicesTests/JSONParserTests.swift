@testable import StewardCore
import Testing

/// Parses `text` and returns the error, failing the test if it parsed.
private func parseError(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> JSONParseError? {
    parseError(Array(text.utf8), sourceLocation: sourceLocation)
}

private func parseError(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) -> JSONParseError? {
    do {
        let value = try JSONParser.parse(bytes)
        Issue.record("expected a parse error, got \(value)", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}

@Suite struct JSONParserValidTests {
    @Test func objectKeepsMemberOrderAndTypes() throws {
        let value = try JSONParser.parse(#"{"b":1,"a":[true,false,null],"c":{"d":"e"},"s":"x"}"#)
        #expect(
            value
                == .object([
                    JSONMember("b", .number("1")),
                    JSONMember("a", .array([.bool(true), .bool(false), .null])),
                    JSONMember("c", .object([JSONMember("d", .string("e"))])),
                    JSONMember("s", .string("x")),
                ]))
        #expect(value["c"]?["d"] == .string("e"))
        #expect(value["missing"] == nil)
        #expect(value.objectMembers?.map(\.key) == ["b", "a", "c", "s"])
    }

    @Test(arguments: ["0", "-0", "42", "42.0", "-7", "1e3", "1E+3", "1.5e-10", "123456789012345678901234567890", "0.000"])
    func numbersKeepTheirSourceText(_ text: String) throws {
        #expect(try JSONParser.parse(text) == .number(text))
        #expect(try JSONParser.parse("[\(text)]") == .array([.number(text)]))
    }

    @Test func scalarsAtTopLevel() throws {
        #expect(try JSONParser.parse("true") == .bool(true))
        #expect(try JSONParser.parse("false") == .bool(false))
        #expect(try JSONParser.parse("null") == .null)
        #expect(try JSONParser.parse(#""hi""#) == .string("hi"))
    }

    @Test func emptyContainers() throws {
        #expect(try JSONParser.parse("{}") == .object([]))
        #expect(try JSONParser.parse("[]") == .array([]))
        #expect(try JSONParser.parse("{ \t\r\n }") == .object([]))
        #expect(try JSONParser.parse("[ \n ]") == .array([]))
    }

    @Test func whitespaceEverywhere() throws {
        let value = try JSONParser.parse(" \t\r\n{ \"a\" \n:\t[ 1 , 2 ] ,\r\n\"b\" : null } \n")
        #expect(value == .object([JSONMember("a", .array([.number("1"), .number("2")])), JSONMember("b", .null)]))
    }

    @Test func simpleEscapes() throws {
        let value = try JSONParser.parse(#""\"\\\/\b\f\n\r\t""#)
        #expect(value == .string("\"\\/\u{08}\u{0C}\n\r\t"))
    }

    @Test func unicodeEscapes() throws {
        #expect(try JSONParser.parse(#""\u00e9""#) == .string("é"))
        #expect(try JSONParser.parse(#""\u00E9""#) == .string("é"))
        #expect(try JSONParser.parse(#""\u20AC""#) == .string("€"))
        #expect(try JSONParser.parse(#""a\u0041b""#) == .string("aAb"))
        // A surrogate pair becomes one scalar outside the BMP.
        #expect(try JSONParser.parse(#""\uD83D\uDE00""#) == .string("😀"))
        #expect(try JSONParser.parse(#""x\ud83d\ude00y""#) == .string("x😀y"))
    }

    /// U+0000 cannot be stored on either backend, so it is refused with a message naming it, in a value and in a
    /// member name, and the parser reports where.
    @Test func nulEscapeIsRefused() throws {
        for text in [#""a\u0000b""#, #"{"k\u0000":1}"#, #"[1,"\u0000"]"#] {
            #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
            do {
                _ = try JSONParser.parse(text)
            } catch {
                #expect(error.description.contains("\\u0000 (NUL) is not allowed"), "\(error)")
            }
        }
        #expect(try JSONParser.parse(#""\u0001""#) == .string("\u{1}"))
    }

    @Test func rawUTF8PassesThrough() throws {
        #expect(try JSONParser.parse("\"héllo 😀 日本\"") == .string("héllo 😀 日本"))
        // Raw UTF-8 mixed with escapes (the slow path).
        #expect(try JSONParser.parse("\"é\\n😀\"") == .string("é\n😀"))
    }

    @Test func escapedMemberNames() throws {
        let value = try JSONParser.parse(#"{"a\"b":1,"\u00e9":2}"#)
        #expect(value["a\"b"] == .number("1"))
        #expect(value["é"] == .number("2"))
    }

    @Test func parsesFromBytes() throws {
        let bytes: [UInt8] = Array(#"{"k":[1]}"#.utf8)
        #expect(try JSONParser.parse(bytes) == .object([JSONMember("k", .array([.number("1")]))]))
        #expect(try JSONParser.parse(bytes[...]) == JSONParser.parse(bytes))
    }

    @Test func depthLimitAllowsExactlyTheMaximum() throws {
        let depth = JSONParser.maximumDepth
        let text = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        var value = try JSONParser.parse(text)
        var levels = 0
        while case .array(let items) = value {
            levels += 1
            guard let first = items.first else { break }
            value = first
        }
        #expect(levels == depth)
    }

    @Test func depthLimitRefusesOneMore() {
        let depth = JSONParser.maximumDepth + 1
        let text = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        let error = parseError(text)
        #expect(error == JSONParseError(offset: JSONParser.maximumDepth, reason: "nesting is deeper than 64"))
    }

    @Test func depthLimitCountsObjectsToo() {
        let depth = JSONParser.maximumDepth + 1
        let text = String(repeating: #"{"a":"#, count: depth) + "1" + String(repeating: "}", count: depth)
        #expect(parseError(text)?.reason == "nesting is deeper than 64")
    }

    @Test func serializedIsCompactAndReparses() throws {
        let source = " { \"a\" : [ 1 , 2.50 , \"x\\ny\" ] , \"b\" : { } , \"c\" : \"\\u0001\" } "
        let value = try JSONParser.parse(source)
        #expect(value.serialized == #"{"a":[1,2.50,"x\ny"],"b":{},"c":"\u0001"}"#)
        #expect(try JSONParser.parse(value.serialized) == value)
    }

    @Test func int64ValueFollowsGetAsLong() throws {
        #expect(JSONValue.number("1451649600512").int64Value == 1_451_649_600_512)
        #expect(JSONValue.string("1451649600512").int64Value == 1_451_649_600_512)
        #expect(JSONValue.number("1e3").int64Value == 1000)
        #expect(JSONValue.number("12.0").int64Value == 12)
        #expect(JSONValue.number("1.5").int64Value == nil)
        #expect(JSONValue.string("abc").int64Value == nil)
        #expect(JSONValue.bool(true).int64Value == nil)
        #expect(JSONValue.null.int64Value == nil)
    }
}

@Suite struct JSONParserErrorTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var input: String
        var offset: Int
        var reason: String
        var testDescription: String { input.debugDescription }
    }

    static let cases: [Case] = [
        Case(input: "", offset: 0, reason: "the payload is empty"),
        Case(input: "  \n ", offset: 4, reason: "the payload is empty"),
        Case(input: "{} x", offset: 3, reason: "unexpected 'x' after the JSON value"),
        Case(input: "1 2", offset: 2, reason: "unexpected '2' after the JSON value"),
        Case(input: "[]]", offset: 2, reason: "unexpected ']' after the JSON value"),
        Case(input: "{\"a\":1}}", offset: 7, reason: "unexpected '}' after the JSON value"),
        Case(input: "[1,2", offset: 4, reason: "the array is not closed"),
        Case(input: "[", offset: 1, reason: "expected a value but the input ended"),
        Case(input: "{\"a\":1", offset: 6, reason: "the object is not closed"),
        Case(input: "{\"a\":", offset: 5, reason: "expected a value but the input ended"),
        Case(input: "{", offset: 1, reason: "expected a quoted member name but found end of input"),
        Case(input: "{1:2}", offset: 1, reason: "expected a quoted member name but found '1'"),
        Case(input: "{\"a\":1,}", offset: 7, reason: "expected a quoted member name but found '}'"),
        Case(input: "{\"a\" 1}", offset: 5, reason: "expected ':' after member name \"a\" but found '1'"),
        Case(input: "{\"a\"", offset: 4, reason: "expected ':' after member name \"a\" but found end of input"),
        Case(input: "{\"a\":1 \"b\":2}", offset: 7, reason: "expected ',' or '}' in object but found '\"'"),
        Case(input: "[1,]", offset: 3, reason: "expected a value but found ']'"),
        Case(input: "[1 2]", offset: 3, reason: "expected ',' or ']' in array but found '2'"),
        Case(input: "[1;2]", offset: 2, reason: "expected ',' or ']' in array but found ';'"),
        Case(input: "tru", offset: 0, reason: "expected 'true' but the input ended"),
        Case(input: "trux", offset: 0, reason: "expected 'true'"),
        Case(input: "fals", offset: 0, reason: "expected 'false' but the input ended"),
        Case(input: "nulL", offset: 0, reason: "expected 'null'"),
        Case(input: "[True]", offset: 1, reason: "expected a value but found 'T'"),
        Case(input: "01", offset: 1, reason: "numbers must not have leading zeros"),
        Case(input: "-01", offset: 2, reason: "numbers must not have leading zeros"),
        Case(input: "-", offset: 1, reason: "a number needs a digit after '-'"),
        Case(input: "-a", offset: 1, reason: "a number needs a digit after '-'"),
        Case(input: "1.", offset: 2, reason: "a digit must follow the decimal point"),
        Case(input: "1.e5", offset: 2, reason: "a digit must follow the decimal point"),
        Case(input: "1e", offset: 2, reason: "the exponent needs a digit"),
        Case(input: "1e+", offset: 3, reason: "the exponent needs a digit"),
        Case(input: ".5", offset: 0, reason: "expected a value but found '.'"),
        Case(input: "+1", offset: 0, reason: "expected a value but found '+'"),
        Case(input: "'a'", offset: 0, reason: "expected a value but found '''"),
        Case(input: "\"abc", offset: 4, reason: "the string is not closed"),
        Case(input: "\"a\\n", offset: 4, reason: "the string is not closed"),
        Case(input: "\"a\\", offset: 3, reason: "the string is not closed"),
        Case(input: "\"a\u{01}\"", offset: 2, reason: "control character in string; it must be escaped"),
        Case(input: "\"a\nb\"", offset: 2, reason: "control character in string; it must be escaped"),
        Case(input: "\"\\n\u{1F}\"", offset: 3, reason: "control character in string; it must be escaped"),
        Case(input: "\"\\x\"", offset: 3, reason: "invalid escape '\\x'"),
        Case(input: "\"\\u12\"", offset: 3, reason: "\\u needs four hex digits"),
        Case(input: "\"\\u12G4\"", offset: 5, reason: "\\u needs four hex digits"),
        Case(input: "\"\\uD800\"", offset: 7, reason: "a high surrogate must be followed by a low surrogate"),
        Case(input: "\"\\uD800x\"", offset: 7, reason: "a high surrogate must be followed by a low surrogate"),
        Case(input: "\"\\uD800\\u0041\"", offset: 13, reason: "invalid low surrogate"),
        Case(input: "\"\\uDC00\"", offset: 7, reason: "unpaired low surrogate"),
    ]

    @Test(arguments: cases)
    func reportsOffsetAndReason(_ c: Case) {
        #expect(parseError(c.input) == JSONParseError(offset: c.offset, reason: c.reason))
    }

    @Test func invalidUTF8InAStringReportsTheStringStart() {
        #expect(parseError([0x22, 0x61, 0xFF, 0x22]) == JSONParseError(offset: 1, reason: "the string is not valid UTF-8"))
        // The same on the escape (slow) path.
        #expect(
            parseError([0x22, 0x5C, 0x6E, 0xC3, 0x22])
                == JSONParseError(offset: 1, reason: "the string is not valid UTF-8"))
    }

    @Test func nonPrintableBytesAreDescribedInHex() {
        #expect(parseError([0x31, 0x20, 0x00]) == JSONParseError(offset: 2, reason: "unexpected byte 0x0 after the JSON value"))
        #expect(parseError([0xEF, 0xBB, 0xBF, 0x7B, 0x7D])?.reason == "expected a value but found byte 0xef")
    }

    @Test func descriptionNamesTheOffset() {
        let error = JSONParseError(offset: 7, reason: "boom")
        #expect(error.description == "Invalid JSON at byte 7: boom")
    }
}
