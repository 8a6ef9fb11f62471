import Logging
import NIOCore
import NIOPosix
import Synchronization
import Testing

@testable import LDAPClient

/// The client against scripted servers: down, silent, garbage, oversized, paging like Active Directory.
@Suite struct LDAPClientOfflineTests {
    private let logger = Logger(label: "sealdrop.ldap.tests")
    private let request = LDAPSearchRequest(baseObject: "dc=example,dc=org", filter: .equal("uid", "alice"))

    private func client(port: Int, security: LDAPConfiguration.Security = .plain, timeouts: LDAPConfiguration.Timeouts = .uniform(.seconds(30))) -> LDAPClient {
        LDAPClient(configuration: LDAPConfiguration(host: "127.0.0.1", port: port, security: security, timeouts: timeouts), logger: self.logger)
    }

    @Test func connectionRefusedIsATransientConnectFailureNamingHostAndPort() async throws {
        // Bind and close again, so the port is known to be free.
        let port = try await withScriptedLDAPServer({ _ in [] }) { $0 }
        let client = self.client(port: port)
        let error = try await #require(throws: LDAPError.self) { try await client.search(self.request) }
        #expect(error.kind == .connectFailed)
        #expect(error.isTransient)
        #expect(error.description.contains("127.0.0.1:\(port)"))
        await client.shutdown()
    }

    @Test func silentServerTimesOutInTheSearch() async throws {
        try await withScriptedLDAPServer({ _ in [] }) { port in
            var timeouts = LDAPConfiguration.Timeouts.uniform(.seconds(30))
            timeouts.search = .milliseconds(300)
            let client = self.client(port: port, timeouts: timeouts)
            // The phase shows it was the search timer (every other one is 30 s) that fired.
            let error = try await #require(throws: LDAPError.self) { try await client.search(self.request) }
            #expect(error.kind == .timeout)
            #expect(error.phase == .search)
            await client.shutdown()
        }
    }

    @Test func silentServerTimesOutInTheLDAPSHandshake() async throws {
        // Accepts and reads, never writes (the scripted server would hang up on a ClientHello).
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        defer { server.close(promise: nil) }
        try await { (port: Int) in
            var timeouts = LDAPConfiguration.Timeouts.uniform(.seconds(30))
            timeouts.tlsHandshake = .milliseconds(300)
            let client = self.client(port: port, security: .ldaps, timeouts: timeouts)
            let error = try await #require(throws: LDAPError.self) { try await client.search(self.request) }
            #expect(error.kind == .timeout)
            #expect(error.phase == .tlsHandshake)
            await client.shutdown()
        }(try #require(server.localAddress?.port))
    }

    @Test func garbageIsAProtocolViolation() async throws {
        try await withScriptedLDAPServer({ _ in Array("HTTP/1.1 400 Bad Request\r\n\r\n".utf8) }) { port in
            let client = self.client(port: port)
            let error = try await #require(throws: LDAPError.self) { try await client.search(self.request) }
            #expect(error.kind == .protocolViolation)
            #expect(error.description.contains("does not speak LDAP"))
            await client.shutdown()
        }
    }

    @Test func hugeAnnouncedLengthIsAProtocolViolationAtOnce() async throws {
        try await withScriptedLDAPServer({ _ in [0x30, 0x84, 0x7F, 0xFF, 0xFF, 0xFF, 0x02, 0x01] }) { port in
            let client = self.client(port: port)
            let error = try await #require(throws: LDAPError.self) { try await client.search(self.request) }
            #expect(error.kind == .protocolViolation)
            #expect(error.phase == .search)
            await client.shutdown()
        }
    }

    @Test func wellFramedNonsenseIsAProtocolViolation() async throws {
        try await withScriptedLDAPServer({ _ in [0x30, 0x03, 0x04, 0x01, 0x00] }) { port in
            let client = self.client(port: port)
            let error = try await #require(throws: LDAPError.self) { try await client.search(self.request) }
            #expect(error.kind == .protocolViolation)
            await client.shutdown()
        }
    }

    @Test func serverHangingUpIsConnectionClosed() async throws {
        try await withScriptedLDAPServer({ _ in nil }) { port in
            let client = self.client(port: port)
            let error = try await #require(throws: LDAPError.self) { try await client.search(self.request) }
            #expect(error.kind == .connectionClosed)
            #expect(error.isTransient)
            await client.shutdown()
        }
    }

    @Test func plaintextAfterStartTLSAcceptanceIsRefused() async throws {
        try await withScriptedLDAPServer({ request in
            let accepted = LDAPMessage(messageID: request.messageID, operation: .extendedResponse(.init(resultCode: .success), name: nil, value: nil))
            let injected = LDAPMessage(messageID: 2, operation: .bindResponse(.init(resultCode: .success)))
            return wire(accepted, injected)
        }) { port in
            let client = self.client(port: port, security: .startTLS)
            let error = try await #require(throws: LDAPError.self) { try await client.search(self.request) }
            #expect(error.kind == .protocolViolation)
            #expect(error.phase == .startTLS)
            await client.shutdown()
        }
    }

    @Test func refusedStartTLSIsTyped() async throws {
        try await withScriptedLDAPServer({ request in
            wire(LDAPMessage(messageID: request.messageID, operation: .extendedResponse(.init(resultCode: .protocolError), name: nil, value: nil)))
        }) { port in
            let client = self.client(port: port, security: .startTLS)
            let error = try await #require(throws: LDAPError.self) { try await client.search(self.request) }
            #expect(error.kind == .startTLSRefused)
            await client.shutdown()
        }
    }

    @Test func pagingFollowsCookiesWhateverPageSizeTheServerChooses() async throws {
        // Like Active Directory: at most 1,000 entries per page whatever was asked, 2,500 in all, plus a
        // continuation reference on the last page.
        let total = 2_500
        let pageSizes = Mutex<[Int]>([])
        try await withScriptedLDAPServer({ request in
            guard case .searchRequest = request.operation, let asked = try? LDAPPagedResultsControl(from: request.controls) else { return [] }
            pageSizes.withLock { $0.append(asked.size) }
            let start = asked.cookie.isEmpty ? 0 : Int(asked.cookie[0]) * 1000
            let end = min(start + 1000, total)
            var bytes: [UInt8] = []
            for index in start..<end {
                bytes += wire(LDAPMessage(messageID: request.messageID, operation: .searchResultEntry(LDAPEntry(dn: "uid=u\(index),dc=x", attributes: []))))
            }
            if end == total {
                bytes += wire(LDAPMessage(messageID: request.messageID, operation: .searchResultReference(["ldap://dc2/CN=Configuration,DC=x"])))
            }
            let cookie: [UInt8] = end == total ? [] : [UInt8(end / 1000)]
            bytes += wire(LDAPMessage(
                messageID: request.messageID, operation: .searchResultDone(.init(resultCode: .success)),
                controls: [LDAPPagedResultsControl(size: total, cookie: cookie).control]
            ))
            return bytes
        }) { port in
            let client = self.client(port: port)
            let result = try await client.searchAllPages(self.request, pageSize: 5000)
            #expect(result.entries.count == total)
            #expect(Set(result.entries.map(\.dn)).count == total)
            #expect(result.references == [["ldap://dc2/CN=Configuration,DC=x"]])
            #expect(result.isComplete)
            #expect(pageSizes.withLock { $0 } == [5000, 5000, 5000])

            let limited = await #expect(throws: LDAPError.self) { try await client.searchAllPages(self.request, pageSize: 1000, maximumEntries: 1500) }
            #expect(limited?.kind == .tooManyEntries)
            await client.shutdown()
        }
    }

    @Test func shutDownClientRefusesWork() async throws {
        let client = self.client(port: 1)
        await client.shutdown()
        let error = try await #require(throws: LDAPError.self) { try await client.search(self.request) }
        #expect(error.kind == .poolShutDown)
    }
}
