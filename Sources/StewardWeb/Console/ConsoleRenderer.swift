import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import NIOCore

/// Renders console pages: a page template fills the shared layout (header, navigation, flash message, footer).
struct ConsoleRenderer: Sendable {
    let library: MustacheLibrary
    let stylesheet: String

    /// The directory holding `Templates` and `Static`. Foundation on Linux reports a bundle's `Resources`
    /// subdirectory as its resource URL when there is one (StewardWeb ships one for the OpenAPI document), so
    /// the bundle's own directory is tried as well.
    static var resourceRoot: URL? {
        let candidates = [Bundle.module.resourceURL, Bundle.module.bundleURL].compactMap { $0 }
        return candidates.first { FileManager.default.fileExists(atPath: $0.appendingPathComponent("Templates").path) }
    }

    /// Loads every `.mustache` template shipped in the module's resources.
    static func load() throws -> ConsoleRenderer {
        guard let base = resourceRoot else { throw ConsoleError.missingResources }
        let root = base.appendingPathComponent("Templates")
        var library = MustacheLibrary()
        let files = try FileManager.default.contentsOfDirectory(atPath: root.path).filter { $0.hasSuffix(".mustache") }
        for file in files {
            let text = try String(contentsOf: root.appendingPathComponent(file), encoding: .utf8)
            try library.register(text, named: String(file.dropLast(".mustache".count)))
        }
        let css = base.appendingPathComponent("Static/steward.css")
        return ConsoleRenderer(library: library, stylesheet: try String(contentsOf: css, encoding: .utf8))
    }

    /// A whole HTML page. `data` feeds the page template; `layout` the frame around it.
    /// `imageOrigins` are added to `img-src` (a device page's configured map tile server).
    func page(
        _ template: String, _ data: [String: Any], layout: [String: Any], status: HTTPResponse.Status = .ok, imageOrigins: [String] = []
    ) -> Response {
        let body = library.render(data, withTemplate: template) ?? ""
        var frame = layout
        frame["content"] = body
        let html = library.render(frame, withTemplate: "layout") ?? body
        return Response(
            status: status,
            headers: [
                .contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
                HTTPField.Name("Content-Security-Policy")!: "default-src 'self'; img-src \((["'self'", "data:"] + imageOrigins).joined(separator: " ")); style-src 'self'; "
                    + "connect-src 'self'; frame-ancestors 'none'; form-action 'self'",
                HTTPField.Name("X-Content-Type-Options")!: "nosniff",
                HTTPField.Name("Referrer-Policy")!: "same-origin",
            ],
            body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}

enum ConsoleError: Error, CustomStringConvertible {
    case missingResources
    var description: String { "The console's templates are missing from the installation (StewardWeb resources)" }
}
