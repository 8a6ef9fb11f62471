import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
@testable import SealdropHTTP
import Testing

/// Bodies the web pages and the upload page's JSON API cannot take: too large is 413, cut off or garbled
/// is 400, each with a sentence for people; never 500.
@Suite struct WebBodyLimitTests {
    typealias Browser = RetrievePagesTests.Browser

    @Test func anOversizedFormIsA413PageWithASentence() async throws {
        try await TestServer.run { api in
            let browser = Browser(api)
            let start = try await browser.request(.get, "/sender")
            let r = try await browser.request(.post, "/sender/verify", form: [
                "csrf": try browser.csrf(in: start), "email": "alice@example.com", "name": String(repeating: "A", count: 20_000),
            ])
            #expect(r.status == .contentTooLarge)
            #expect(r.headers[.contentType] == "text/html; charset=utf-8")
            #expect(r.text.contains("The data sent is larger than this page accepts."))
            let retrieve = try await browser.request(.post, "/download", form: ["id": String(repeating: "x", count: 20_000)])
            #expect(retrieve.status == .contentTooLarge)
        }
    }

    @Test func oversizedOrTruncatedJSONToTheUploadAPIIsRefusedCleanly() async throws {
        try await TestServer.run { api in
            let (browser, token) = try await UploadPagesTests().ready(api)
            let session = try await UploadPagesTests().call(browser, .post, "/upload/api/session", token: token, json: #"{"to":["bob@example.org"]}"#)
            let trackingId = try #require(UploadPagesTests().object(session)["trackingId"] as? String)

            let big = try await UploadPagesTests().call(browser, .post, "/upload/api/files", token: token,
                                                        json: #"{"trackingId":"\#(trackingId)","name":"\#(String(repeating: "a", count: 300_000))","size":1}"#)
            #expect(big.status == .contentTooLarge)
            #expect(UploadPagesTests().object(big)["error"] as? String == "errorTooLarge")
            #expect((UploadPagesTests().object(big)["message"] as? String)?.isEmpty == false)

            for cut in [#"{"trackingId":"\#(trackingId)","name":"a.txt","si"#, "{", #"{"trackingId":"#, "\u{FF}\u{FE}"] {
                let r = try await UploadPagesTests().call(browser, .post, "/upload/api/files", token: token, json: cut)
                #expect(r.status == .badRequest, "\(cut)")
            }
        }
    }

    /// A body stream that yields a few bytes and then fails, as when the client closes mid-body.
    struct BrokenBody: AsyncSequence, Sendable {
        typealias Element = ByteBuffer
        struct Broken: Error {}
        struct AsyncIterator: AsyncIteratorProtocol {
            var sent = false
            mutating func next() async throws -> ByteBuffer? {
                guard !sent else { throw Broken() }
                sent = true
                return ByteBuffer(string: #"{"trackingId":"#)
            }
        }
        func makeAsyncIterator() -> AsyncIterator { AsyncIterator() }
    }

    @Test func aBodyThatBreaksOffIsABadRequest() async throws {
        let request = Request(head: HTTPRequest(method: .post, scheme: "https", authority: "sealdrop.test", path: "/upload/api/files"),
                              body: RequestBody(asyncSequence: BrokenBody()))
        do {
            _ = try await WebBody.collect(request, upTo: 1024)
            Issue.record("a broken body was read")
        } catch {
            #expect(WebErrorMiddleware.page(for: error) == (.badRequest, "errorBadRequest"))
        }
        let large = Request(head: HTTPRequest(method: .post, scheme: "https", authority: "sealdrop.test", path: "/download"),
                            body: .init(buffer: ByteBuffer(repeating: 0x41, count: 2048)))
        do {
            _ = try await WebBody.collect(large, upTo: 1024)
            Issue.record("an oversized body was read")
        } catch {
            #expect(WebErrorMiddleware.page(for: error) == (.contentTooLarge, "errorTooLarge"))
        }
    }
}
