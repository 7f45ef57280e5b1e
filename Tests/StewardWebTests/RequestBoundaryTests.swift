import NIOHTTP1
import Testing

@testable import StewardWeb

/// The declared body length is read for every request, byte by byte; what it accepts must not change.
@Suite struct RequestBoundaryTests {
    func length(_ value: String?) -> UInt64? {
        var headers = HTTPHeaders()
        if let value { headers.add(name: "Content-Length", value: value) }
        return RequestBoundaryObserver.declaredLength(headers)
    }

    @Test func declaredLengthIsDigitsWithOptionalSpacesAndSaturates() {
        #expect(length(nil) == nil)
        #expect(length("") == nil)
        #expect(length("   ") == nil)
        #expect(length("0") == 0)
        #expect(length("1048576") == 1_048_576)
        #expect(length(" 42\t") == 42)
        #expect(length("4 2") == nil)
        #expect(length("-1") == nil)
        #expect(length("1e3") == nil)
        #expect(length("+5") == nil)
        #expect(length("18446744073709551615") == .max)
        #expect(length("99999999999999999999999999") == .max)
    }
}
