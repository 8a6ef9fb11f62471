import Foundation
import Testing
@testable import SealdropServices

/// What may become the logo every mail and page shows: PNGs of sane size, SVGs of drawing elements only.
@Suite struct LogoCheckTests {
    /// A PNG header of `width`×`height` and an `IEND` chunk (the checker reads no pixel data).
    static func png(width: UInt32 = 120, height: UInt32 = 40, end: Bool = true) -> [UInt8] {
        func be(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
        var bytes: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        bytes += be(13) + Array("IHDR".utf8) + be(width) + be(height) + [8, 6, 0, 0, 0] + be(0)
        bytes += be(10) + Array("IDAT".utf8) + [UInt8](repeating: 0, count: 10) + be(0)
        if end { bytes += be(0) + Array("IEND".utf8) + be(0xAE42_6082) }
        return bytes
    }

    static let goodSVG = """
        <?xml version="1.0" encoding="UTF-8"?>
        <!-- Example Ltd. -->
        <svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 120 40" width="120" height="40">
          <defs><linearGradient id="g"><stop offset="0" stop-color="#1d4ed8"/><stop offset="1" stop-color="#60a5fa"/></linearGradient></defs>
          <style>.t { font: bold 20px sans-serif; fill: url(#g); }</style>
          <rect width="120" height="40" rx="6" fill="url(#g)"/>
          <use xlink:href="#g"/>
          <text x="10" y="27" class="t">Example &amp; Co</text>
        </svg>
        """

    @Test func acceptsPNGsAndDrawingOnlySVGs() throws {
        #expect(try LogoCheck().mediaType(of: Self.png()) == "image/png")
        #expect(try LogoCheck().mediaType(of: Array(Self.goodSVG.utf8)) == "image/svg+xml")
        #expect(try LogoCheck().mediaType(of: [0xEF, 0xBB, 0xBF] + Array("<svg viewBox='0 0 1 1'><path d='M0 0h1v1z'/></svg>".utf8)) == "image/svg+xml")
    }

    @Test(arguments: [
        ("<svg><script>alert(1)</script></svg>", "<script>"),
        ("<svg onload=\"alert(1)\"/>", "event attribute"),
        ("<svg><rect ONCLICK='x()'/></svg>", "event attribute"),
        ("<svg><a href=\"https://evil.example\"><rect/></a></svg>", "<a>"),
        ("<svg><use href=\"https://evil.example/x.svg#a\"/></svg>", "only #fragments"),
        ("<svg><use xlink:href=\"data:image/svg+xml;base64,PHN2Zy8+\"/></svg>", "only #fragments"),
        ("<svg><foreignObject><iframe/></foreignObject></svg>", "<foreignObject>"),
        ("<svg><image href=\"#x\"/></svg>", "<image>"),
        ("<svg><rect style=\"fill:url(https://evil.example/x)\"/></svg>", "url()"),
        ("<svg><style>@import url(#a);</style></svg>", "@import"),
        ("<svg><rect style=\"background: u\\rl(javascript:alert(1))\"/></svg>", "javascript:"),
        ("<svg><rect fill=\"&#106;avascript:x\"/></svg>", "reference"),
        ("<!DOCTYPE svg [<!ENTITY x \"y\">]><svg>&x;</svg>", "DOCTYPE"),
        ("<svg><![CDATA[<script>x</script>]]></svg>", "CDATA"),
        ("<svg><?php echo 1; ?></svg>", "processing instruction"),
        ("<html><svg/></html>", "<html>"),
        ("<svg><rect width=10/></svg>", "quoted value"),
        ("<svg", "not closed"),
        ("just text", "no <svg>"),
    ])
    func refusesSVGsThatCouldRunOrFetch(svg: String, reason: String) {
        #expect { try LogoCheck().mediaType(of: Array(svg.utf8)) } throws: { error in
            (error as? LogoCheck.Refusal)?.message.contains(reason) == true
        }
    }

    @Test func refusesBrokenHugeOrOtherFiles() {
        func refusal(_ bytes: [UInt8]) -> String? {
            do { _ = try LogoCheck().mediaType(of: bytes); return nil } catch { return error.message }
        }
        #expect(refusal(Self.png(width: 5000))?.contains("at most 4096") == true)
        #expect(refusal(Self.png(height: 0))?.contains("at most 4096") == true)
        #expect(refusal(Self.png(end: false))?.contains("cut off") == true)
        #expect(refusal(Array(Self.png().prefix(20)))?.contains("damaged") == true)
        #expect(refusal([])?.contains("empty") == true)
        #expect(refusal(Self.png() + [UInt8](repeating: 0, count: LogoCheck.maxSize))?.contains("larger than 128 KiB") == true)
        #expect(refusal([0xFF, 0xD8, 0xFF, 0xE0, 0xC3, 0x28])?.contains("neither a PNG nor an SVG") == true)
    }
}
