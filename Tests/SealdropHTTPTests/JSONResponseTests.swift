import Foundation
import Hummingbird
import Testing
@testable import SealdropHTTP

/// `JSONResponse` writes exactly the bytes the surfaces wrote before it: its sorted style matches
/// `JSONSerialization` with sorted keys (the admin and upload APIs), its REST style the envelope encoder.
@Suite struct JSONResponseTests {
    /// A body with the awkward cases: escapes, slashes, non-ASCII, nulls, nesting and keys that sort differently by case.
    struct Sample: Encodable {
        struct Inner: Encodable { let b: Int; let a: [String]; let Z: Bool; let one: Int; let zero: Int; let half: Double }
        let zeta: String
        let alpha: Int64
        let senderIP: Nullable<String>
        let sender: String
        let mixedCase: Inner
        let mixedcase: Bool
        let list: [Inner]
        let skipped: String?
        let empty: EmptyJSON
        let map: [String: String]
        let sendRecipientNotification: Bool
        let senderPatterns: [String]
    }

    static let text = "a/b \"q\" \\ <tag> & ü € 😀 \u{01}\u{1f}\t\n\r\u{8}\u{c} \u{2028}"

    @Test func sortedStyleMatchesJSONSerialization() throws {
        let inner = Sample.Inner(b: -3, a: [Self.text, ""], Z: true, one: 1, zero: 0, half: 786_000_000.25)
        let sample = Sample(zeta: Self.text, alpha: Int64.max, senderIP: Nullable(nil), sender: "x", mixedCase: inner, mixedcase: false,
                            list: [inner, inner], skipped: nil, empty: EmptyJSON(), map: ["b": "1", "B": "2", "a10": "3", "a9": "4", "_": "5"],
                            sendRecipientNotification: true, senderPatterns: [])
        let innerObject: [String: Any] = ["b": -3, "a": [Self.text, ""], "Z": true, "one": 1, "zero": 0, "half": 786_000_000.25]
        let object: [String: Any] = ["zeta": Self.text, "alpha": Int64.max, "senderIP": NSNull(), "sender": "x", "mixedCase": innerObject,
                                     "mixedcase": false, "list": [innerObject, innerObject], "empty": [String: Any](),
                                     "map": ["b": "1", "B": "2", "a10": "3", "a9": "4", "_": "5"],
                                     "sendRecipientNotification": true, "senderPatterns": [String]()]
        let expected = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        let written = JSONResponse(body: sample).bytes
        #expect(String(decoding: written, as: UTF8.self) == String(decoding: expected, as: UTF8.self))
    }

    @Test func headersAreTheCallersOwn() {
        let plain = JSONResponse(body: ["a": 1]).response
        #expect(plain.headers[.contentType] == "application/json" && plain.headers[.cacheControl] == "no-store")
        let api = JSONResponse(body: ["a": "/"], status: .created, style: .rest, contentType: "application/json; charset=utf-8",
                               cacheControl: nil, location: "/x").response
        #expect(api.status == .created && api.headers[.cacheControl] == nil && api.headers[.location] == "/x")
        #expect(String(decoding: JSONResponse(body: ["a": "/"], style: .rest).bytes, as: UTF8.self) == #"{"a":"/"}"#)
        #expect(String(decoding: JSONResponse(body: ["a": "/"]).bytes, as: UTF8.self) == #"{"a":"\/"}"#)
    }

    @Test func settingsDocumentRoundTripsAsJSONValue() throws {
        let object: [String: Any] = ["a": ["b": 1, "c": [true, false], "d": "x/y", "e": 1.5, "f": NSNull()], "g": 786_000_000.25]
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        var value = try JSONDecoder().decode(JSONValue.self, from: data)
        #expect(JSONResponse(body: value).bytes == data)
        #expect(value[path: "a.d"] == .string("x/y") && value[path: "a.x"] == nil)
        value[path: "a.d"] = .string("z")
        value[path: "n.m"] = .int(2)
        #expect(value[path: "a.d"] == .string("z") && value[path: "n.m"] == .int(2))
    }
}
