import StewardFuzzKit

/// libFuzzer's entry point: one input through the JSON parser and its invariants (`JSONFuzz`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    JSONFuzz.run(UnsafeBufferPointer(start: start, count: start == nil ? 0 : count))
    return 0
}

@main
enum Fuzzer {
    static func main() {
        FuzzMain.run(name: "StewardFuzzJSON", entry: fuzzOneInput)
    }
}
