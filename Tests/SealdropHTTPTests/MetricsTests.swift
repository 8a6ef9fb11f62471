import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import SealdropCore
import Testing
@testable import SealdropApp
@testable import SealdropHTTP

/// `/metrics` on the admin router: Prometheus text from `ServerMetrics`, fed by the user router's requests.
@Suite struct MetricsTests {
    /// The value of the sample `name{labels}` (labels in emitted order, or none), if present.
    static func sample(_ text: String, _ name: String, _ labels: String? = nil) -> Double? {
        let key = labels.map { "\(name){\($0)}" } ?? name
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ")
            if parts.count == 2, parts[0] == key { return Double(parts[1]) }
        }
        return nil
    }

    /// Scrapes `/metrics` on a fresh admin router of `server`, over loopback: the admin network allow-list
    /// needs a peer address, which the in-process `.router` client does not have.
    static func scrape(_ server: SealdropServer) async throws -> TestResponse {
        var quiet = Logger(label: "sealdrop-http-tests.admin")
        quiet.logLevel = .critical
        let admin = Application(router: server.adminRouter(), logger: quiet)
        return try await admin.test(.live) { client in
            try await client.execute(uri: "/metrics", method: .get)
        }
    }

    @Test func userRequestsAreCountedByStatusClass() async throws {
        try await TestServer.run { api in
            #expect(try await api.send(.get, "/api/status").status == .ok)
            #expect(try await api.send(.get, "/api/status").status == .ok)
            #expect(try await api.send(.get, "/no-such-page").status.code / 100 == 4)
            let r = try await Self.scrape(api.server)
            #expect(r.status == .ok)
            #expect(r.headers[.contentType] == "text/plain; version=0.0.4; charset=utf-8")
            let text = r.text
            #expect(text.contains("# TYPE sealdrop_http_requests_total counter"))
            #expect(text.contains("# TYPE sealdrop_http_request_duration_seconds histogram"))
            #expect(text.contains("# TYPE sealdrop_outbox_queued gauge"))
            #expect(text.contains("# TYPE sealdrop_uptime_seconds gauge"))
            let ok = try #require(Self.sample(text, "sealdrop_http_requests_total", #"listener="user",status="2xx""#))
            let clientErrors = try #require(Self.sample(text, "sealdrop_http_requests_total", #"listener="user",status="4xx""#))
            #expect(ok >= 2)
            #expect(clientErrors >= 1)
            let timed = try #require(Self.sample(text, "sealdrop_http_request_duration_seconds_count", #"listener="user""#))
            #expect(timed >= 3)
            #expect(try #require(Self.sample(text, "sealdrop_outbox_queued")) >= 0)
        }
    }

    @Test func uploadAndDownloadBytesAreCounted() async throws {
        try await TestServer.run { api in
            let content = Array("0123456789".utf8)
            let sent = try await api.sendTransfer(files: [("digits.txt", content)])
            let r = try await api.send(.get, "/api/transfers/\(sent.transferId)/files/\(sent.fileIds[0])", password: sent.password)
            #expect(r.bytes == content)
            let text = try await Self.scrape(api.server).text
            #expect(Self.sample(text, "sealdrop_upload_bytes_total") == 10)
            #expect(Self.sample(text, "sealdrop_download_bytes_total") == 10)
        }
    }

    @Test func renderSumsUploadedBytesAndSetsGauges() {
        let metrics = ServerMetrics()
        metrics.addUploaded(10)
        metrics.addUploaded(5)
        metrics.recordRequest(status: 503, duration: .milliseconds(20))
        let text = metrics.render(outboxQueued: 3, outboxFailed: 2, uptimeSeconds: 42)
        #expect(text.contains("# TYPE sealdrop_upload_bytes_total counter"))
        #expect(Self.sample(text, "sealdrop_upload_bytes_total") == 15)
        #expect(Self.sample(text, "sealdrop_download_bytes_total") == 0)
        #expect(Self.sample(text, "sealdrop_http_requests_total", #"listener="user",status="5xx""#) == 1)
        #expect(Self.sample(text, "sealdrop_http_requests_total", #"listener="user",status="2xx""#) == 0)
        #expect(Self.sample(text, "sealdrop_outbox_queued") == 3)
        #expect(Self.sample(text, "sealdrop_outbox_failed") == 2)
        #expect(Self.sample(text, "sealdrop_uptime_seconds") == 42)
    }

    @Test func failedMailIsCountedFromTheOutbox() async throws {
        try await TestServer.run { api in
            try await api.server.database.enqueue([OutboxMessage(kind: "test", envelopeFrom: "a@x.test", envelopeTo: ["b@x.test"], subject: "s",
                                                                 message: Array("x".utf8), createdAt: Date())])
            let id = try #require(try await api.server.database.recentMessages(limit: 1).first?.id)
            try await api.server.database.markFailed(id, attempts: 3, error: "550 no")
            let text = try await Self.scrape(api.server).text
            #expect(Self.sample(text, "sealdrop_outbox_failed") == 1)
        }
    }
}
