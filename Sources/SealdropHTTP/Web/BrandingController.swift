import Foundation
import Hummingbird
import SealdropCore
import SealdropServices

/// The organisation's face on the user listeners: the uploaded logo and the colours as a style sheet.
///
/// | Method | Path | Answer |
/// |---|---|---|
/// | GET | `/branding/logo` | the logo (PNG or SVG), 404 when none; an SVG is served so that it cannot run anything even when opened directly |
/// | GET | `/branding.css` | `:root` colour variables from `branding.*`, after `sealdrop.css` on every page |
struct BrandingController: Sendable {
    let settings: SettingsStore
    let branding: BrandingService

    func addRoutes(to router: Router<SealdropRequestContext>) {
        router.get("branding/logo") { [branding] _, _ in try Self.logoResponse(branding.logo) }
        router.head("branding/logo") { [branding] _, _ in
            var response = try Self.logoResponse(branding.logo)
            response.body = .init()
            return response
        }
        router.get("branding.css") { [settings] _, _ in Self.styleSheet(settings.current.branding) }
    }

    /// The logo with headers that keep an SVG inert wherever it is opened: no script, no fetch, a sandbox.
    static func logoResponse(_ logo: StoredLogo?) throws -> Response {
        guard let logo else { throw HTTPError(.notFound) }
        var headers = HTTPFields()
        headers[.contentType] = logo.mediaType
        headers[.contentSecurityPolicy] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
        headers[.cacheControl] = "public, max-age=3600"
        headers[.contentLength] = String(logo.bytes.count)
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: logo.bytes)))
    }

    /// The colour variables the pages' style sheet uses; the values are `#rrggbb` (checked when saved).
    static func styleSheet(_ b: BrandingSettings) -> Response {
        let colors = [b.accentColor, b.backgroundColor, b.textColor].allSatisfy(BrandingSettings.isColor) ? b : BrandingSettings()
        let css = ":root { --accent: \(colors.accentColor); --bg: \(colors.backgroundColor); --ink: \(colors.textColor); }\n"
        var headers = HTTPFields()
        headers[.contentType] = "text/css; charset=utf-8"
        headers[.cacheControl] = "no-cache"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: css)))
    }
}
