import StewardFuzzKit

/// libFuzzer's entry point: one input through ThingsBoard's typing rules and its invariants (`ThingsBoardFuzz`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    ThingsBoardFuzz.run(UnsafeBufferPointer(start: start, count: start == nil ? 0 : count))
    return 0
}

@main
enum Fuzzer {
    static func main() {
        FuzzMain.run(name: "StewardFuzzThingsBoard", entry: fuzzOneInput)
    }
}
