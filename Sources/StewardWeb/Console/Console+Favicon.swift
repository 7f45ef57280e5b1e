import Hummingbird
import NIOCore

/// The console's icon: a small SVG of our own drawing (a device sending, on the console's blue), so browser tabs
/// show a mark and no page logs a failed `/favicon.ico`. Browsers that ask for `/favicon.ico` without reading the
/// page's `<link rel="icon">` are sent to the SVG.
extension Console {
    static let faviconSVG = """
        <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">\
        <rect width="32" height="32" rx="7" fill="#0b5fab"/>\
        <circle cx="10" cy="22" r="3.5" fill="#fff"/>\
        <path d="M10 13a9 9 0 0 1 9 9M10 6.5a15.5 15.5 0 0 1 15.5 15.5" fill="none" stroke="#fff" stroke-width="3" stroke-linecap="round"/>\
        </svg>

        """

    func registerFavicon(on router: Router<StewardRequestContext>) {
        router.get("favicon.svg") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "image/svg+xml", .cacheControl: "public, max-age=86400"],
                body: .init(byteBuffer: ByteBuffer(string: Self.faviconSVG)))
        }
        router.get("favicon.ico") { _, _ in
            Response(status: .movedPermanently, headers: [.location: "/favicon.svg", .cacheControl: "public, max-age=86400"])
        }
    }
}
