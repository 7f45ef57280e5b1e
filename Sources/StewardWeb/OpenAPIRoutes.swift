import Foundation
import Hummingbird
import NIOCore
import StewardCore

/// `GET /api/openapi.json`: the OpenAPI 3.1 description of the REST API and of the device HTTP API
/// (`Resources/openapi.json`), served without authentication so that client generators and API testers
/// (schemathesis in our CI) can read it. `Tests/conformance/protocol/test_openapi.py` fails when a route is
/// registered that the document does not describe, or the document describes one that is not registered.
enum OpenAPIRoutes {
    /// The document as bundled, read once; nil only if the build lost the resource.
    static let document: ByteBuffer? = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json", subdirectory: "Resources"),
            let data = try? Data(contentsOf: url)
        else { return nil }
        return ByteBuffer(bytes: data)
    }()

    static func register(on router: some RouterMethods<StewardRequestContext>) {
        router.get("api/openapi.json") { _, _ in
            guard let document else {
                throw StewardError(.internal, "The OpenAPI document is missing from this build (StewardWeb's Resources/openapi.json)")
            }
            return Response(
                status: .ok, headers: [.contentType: "application/json", .cacheControl: "public, max-age=300"],
                body: .init(byteBuffer: document))
        }
    }
}
