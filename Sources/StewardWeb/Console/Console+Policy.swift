import Hummingbird
import NIOCore
import StewardPrivacy

/// The published privacy policy, rendered from the same declaration the platform enforces: `/privacy` for people,
/// `/privacy.md` and `/privacy.json` for machines.
extension Console {
    func registerPolicyPages(on router: Router<StewardRequestContext>) {
        router.get("privacy") { request, _ in
            let viewer = try await viewer(request)
            let data: [String: Any] = ["policy": PolicyRenderer.html(privacy)]
            if let viewer { return page(viewer, "privacy", title: "Privacy policy", data) }
            return publicPage(request, "privacy", title: "Privacy policy", data)
        }
        router.get("privacy.md") { _, _ in
            Self.text(PolicyRenderer.markdown(privacy), type: "text/markdown; charset=utf-8")
        }
        router.get("privacy.json") { _, _ in
            Self.text(PolicyRenderer.json(privacy), type: "application/json")
        }
    }

    static func text(_ text: String, type: String) -> Response {
        Response(
            status: .ok, headers: [.contentType: type, .cacheControl: "public, max-age=300"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
