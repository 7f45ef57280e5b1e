import Foundation
import NIOCore
import PostgresNIO

/// A Swift value that can be bound to a statement parameter.
///
/// Binary values (`[UInt8]`, `Data`) are sent as `bytea`: postgres-nio's own `[UInt8]` would be a `"char"[]`.
protocol SQLArgument: Sendable {
    func bind(into bindings: inout PostgresBindings)
}

extension String: SQLArgument {
    func bind(into bindings: inout PostgresBindings) { bindings.append(self) }
}

extension Int: SQLArgument {
    func bind(into bindings: inout PostgresBindings) { bindings.append(Int64(self)) }
}

extension Int64: SQLArgument {
    func bind(into bindings: inout PostgresBindings) { bindings.append(self) }
}

extension Int16: SQLArgument {
    func bind(into bindings: inout PostgresBindings) { bindings.append(self) }
}

extension Double: SQLArgument {
    func bind(into bindings: inout PostgresBindings) { bindings.append(self) }
}

extension Bool: SQLArgument {
    func bind(into bindings: inout PostgresBindings) { bindings.append(self) }
}

extension ByteBuffer: SQLArgument {
    func bind(into bindings: inout PostgresBindings) { bindings.append(self) }
}

extension Data: SQLArgument {
    func bind(into bindings: inout PostgresBindings) { bindings.append(ByteBuffer(bytes: self)) }
}

extension Array: SQLArgument where Element: SQLArrayElement {
    func bind(into bindings: inout PostgresBindings) { Element.bindArray(self, into: &bindings) }
}

/// Element types of array parameters (`= ANY($1)`, `unnest($1, …)`), and `[UInt8]` as one `bytea`.
protocol SQLArrayElement: Sendable {
    static func bindArray(_ values: [Self], into bindings: inout PostgresBindings)
}

extension UInt8: SQLArrayElement {
    /// `[UInt8]` is one `bytea`, not an array.
    static func bindArray(_ values: [UInt8], into bindings: inout PostgresBindings) { bindings.append(ByteBuffer(bytes: values)) }
}

extension String: SQLArrayElement {
    static func bindArray(_ values: [String], into bindings: inout PostgresBindings) { bindings.append(values) }
}

extension Int64: SQLArrayElement {
    static func bindArray(_ values: [Int64], into bindings: inout PostgresBindings) { bindings.append(values) }
}

extension Int16: SQLArrayElement {
    static func bindArray(_ values: [Int16], into bindings: inout PostgresBindings) { bindings.append(values) }
}

extension Double: SQLArrayElement {
    static func bindArray(_ values: [Double], into bindings: inout PostgresBindings) { bindings.append(values) }
}

extension ByteBuffer: SQLArrayElement {
    static func bindArray(_ values: [ByteBuffer], into bindings: inout PostgresBindings) { bindings.append(values) }
}

extension Optional: SQLArgument where Wrapped: SQLArgument {
    func bind(into bindings: inout PostgresBindings) {
        switch self {
        case .some(let value): value.bind(into: &bindings)
        case .none: bindings.appendNull()
        }
    }
}

/// The parameters of one statement, written as an array literal as in GRDB: `[id, name, nil]`.
struct SQLArguments: ExpressibleByArrayLiteral, Sendable {
    var values: [(any SQLArgument)?]

    init(arrayLiteral elements: (any SQLArgument)?...) {
        values = elements
    }

    init(_ values: [(any SQLArgument)?]) {
        self.values = values
    }

    var bindings: PostgresBindings {
        var bindings = PostgresBindings(capacity: values.count)
        for value in values {
            if let value { value.bind(into: &bindings) } else { bindings.appendNull() }
        }
        return bindings
    }

    static func + (lhs: SQLArguments, rhs: SQLArguments) -> SQLArguments {
        SQLArguments(lhs.values + rhs.values)
    }
}
