import Foundation
import StewardStore

/// The browser's privacy signals, honoured on the server: Global Privacy Control (`Sec-GPC: 1`) and Do Not Track
/// (`DNT: 1`).
public struct PrivacySignals: Sendable, Equatable {
    public var gpc: Bool
    public var dnt: Bool

    public init(gpc: Bool, dnt: Bool) {
        self.gpc = gpc
        self.dnt = dnt
    }

    /// Reads the signals from header values (nil when absent).
    public init(secGPC: String?, dnt: String?) {
        self.gpc = secGPC?.trimmingCharacters(in: .whitespaces) == "1"
        self.dnt = dnt?.trimmingCharacters(in: .whitespaces) == "1"
    }

    public static let none = PrivacySignals(gpc: false, dnt: false)

    /// The name of the signal the browser sends, for telling the person ("Global Privacy Control" first), or nil
    /// when it sends none.
    public var name: String? { gpc ? "Global Privacy Control" : dnt ? "Do Not Track" : nil }

    /// Whether a signal switches this purpose off.
    public func switchesOff(_ purpose: Purpose) -> Bool { (gpc && purpose.offByGPC) || (dnt && purpose.offByDNT) }

    /// The signal that switches the purpose off, GPC first.
    public func method(for purpose: Purpose) -> ConsentRecord.Method? {
        if gpc && purpose.offByGPC { return .gpc }
        if dnt && purpose.offByDNT { return .dnt }
        return nil
    }
}
