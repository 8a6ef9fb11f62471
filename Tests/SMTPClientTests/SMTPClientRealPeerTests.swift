import Foundation
import Logging
import Testing

@testable import SMTPClient

/// End-to-end against real aiosmtpd peers (see `scripts/peers/smtp.sh`), asserting on the Maildir.
@Suite(.enabled(if: SMTPPeerEnvironment.shouldRun, SMTPPeerEnvironment.missingMessage)) // Never skipped where CI=true: shouldRun is true there, and each test fails without the peers.
struct SMTPClientRealPeerTests {
    private let logger = Logger(label: "sealdrop.smtp.tests")

    /// A configuration for one peer; the timeouts are generous because the peers share a busy CI machine.
    private func configuration(
        _ peers: SMTPPeerEnvironment,
        port: Int,
        security: SMTPConfiguration.Security,
        credentials: SMTPConfiguration.Credentials? = nil,
        trustCA: Bool = true
    ) -> SMTPConfiguration {
        SMTPConfiguration(
            host: peers.host, port: port, security: security, credentials: credentials,
            trustRoots: trustCA ? .system(plus: peers.caFile) : .system,
            ehloName: "tests.sealdrop.test", timeouts: .uniform(.seconds(60))
        )
    }

    /// An RFC 5322 message with bare LFs, a dot-leading line and a lone dot line.
    private func message(token: String, to: [String]) -> [UInt8] {
        Array(
            """
            From: Sealdrop <noreply@sealdrop.test>
            To: \(to.joined(separator: ", "))
            Subject: Your files are ready \(token)
            Message-ID: <\(token)@sealdrop.test>

            Hello,
            .dotted line stays
            .
            last line

            """.utf8
        )
    }

    private func send(_ configuration: SMTPConfiguration, to: [String], token: String = UUID().uuidString) async throws(SMTPError) -> SMTPDeliveryResult {
        let client = SMTPClient(configuration: configuration, logger: self.logger)
        return try await client.send(SMTPEnvelope(from: "noreply@sealdrop.test", to: to), message: self.message(token: token, to: to))
    }

    @Test func plainSendArrivesByteForByte() async throws {
        guard let peers = SMTPPeerEnvironment.require() else { return }
        let token = UUID().uuidString
        let result = try await self.send(self.configuration(peers, port: peers.plainPort, security: .plain), to: ["alice@example.org"], token: token)
        #expect(result.accepted.map(\.address) == ["alice@example.org"])
        #expect(result.rejected.isEmpty)
        #expect(result.dataReply.code == 250)

        let stored = try #require(try SMTPPeerEnvironment.storedMessage(in: peers.maildirPlain, containing: token))
        let text = String(decoding: stored, as: UTF8.self)
        let expectedSize = SMTPMessageData(self.message(token: token, to: ["alice@example.org"])).size
        #expect(text.hasPrefix("X-MailFrom: noreply@sealdrop.test\r\nX-RcptTo: alice@example.org\r\nX-MailOptions: SIZE=\(expectedSize)\r\n"))
        #expect(
            text.hasSuffix(
                "From: Sealdrop <noreply@sealdrop.test>\r\nTo: alice@example.org\r\nSubject: Your files are ready \(token)\r\n"
                    + "Message-ID: <\(token)@sealdrop.test>\r\n\r\nHello,\r\n.dotted line stays\r\n.\r\nlast line\r\n"
            )
        )
    }

    @Test func startTLSRequiredWithAuthPlain() async throws {
        guard let peers = SMTPPeerEnvironment.require() else { return }
        let token = UUID().uuidString
        let credentials = SMTPConfiguration.Credentials(username: peers.user, password: peers.password)
        let configuration = self.configuration(peers, port: peers.startTLSPort, security: .startTLSRequired, credentials: credentials)
        let result = try await self.send(configuration, to: ["bob@example.org", "carol@example.org"], token: token)
        #expect(result.accepted.map(\.address) == ["bob@example.org", "carol@example.org"])

        let stored = try #require(try SMTPPeerEnvironment.storedMessage(in: peers.maildirStartTLS, containing: token))
        let text = String(decoding: stored, as: UTF8.self)
        #expect(text.contains("X-RcptTo: bob@example.org, carol@example.org\r\n"))
        #expect(text.contains("Subject: Your files are ready \(token)\r\n"))
        #expect(text.contains("\r\n\r\nHello,\r\n.dotted line stays\r\n.\r\nlast line\r\n"))
    }

    @Test func wrongPasswordIsAPermanentAuthFailure() async throws {
        guard let peers = SMTPPeerEnvironment.require() else { return }
        let wrong = "not-" + peers.password
        let configuration = self.configuration(
            peers, port: peers.startTLSPort, security: .startTLSRequired, credentials: .init(username: peers.user, password: wrong)
        )
        let error = try await #require(throws: SMTPError.self) { try await self.send(configuration, to: ["bob@example.org"]) }
        #expect(error.kind == .authFailed)
        #expect(error.isPermanent)
        #expect(error.lastReply?.code == 535)
        #expect(error.description.contains("\(peers.host):\(peers.startTLSPort)"))
        #expect(!error.description.contains(wrong) && !String(reflecting: error).contains(wrong))
    }

    @Test func implicitTLS() async throws {
        guard let peers = SMTPPeerEnvironment.require() else { return }
        let token = UUID().uuidString
        let result = try await self.send(self.configuration(peers, port: peers.tlsPort, security: .implicitTLS), to: ["dave@example.org"], token: token)
        #expect(result.accepted.count == 1)
        #expect(try SMTPPeerEnvironment.storedMessage(in: peers.maildirTLS, containing: token) != nil)
    }

    @Test func untrustedCertificateIsRejectedNamingHostAndPort() async throws {
        guard let peers = SMTPPeerEnvironment.require() else { return }
        let implicit = self.configuration(peers, port: peers.tlsPort, security: .implicitTLS, trustCA: false)
        let error = try await #require(throws: SMTPError.self) { try await self.send(implicit, to: ["eve@example.org"]) }
        #expect(error.kind == .tlsFailed)
        #expect(error.phase == .tlsHandshake)
        #expect(error.description.contains("\(peers.host):\(peers.tlsPort)"))
        #expect(error.description.contains("certificate verification failed"))

        let startTLS = self.configuration(peers, port: peers.startTLSPort, security: .startTLSRequired, trustCA: false)
        let startTLSError = try await #require(throws: SMTPError.self) { try await self.send(startTLS, to: ["eve@example.org"]) }
        #expect(startTLSError.kind == .tlsFailed)
        #expect(startTLSError.description.contains("\(peers.host):\(peers.startTLSPort)"))
        #expect(startTLSError.description.contains("certificate verification failed"))
    }

    @Test func dnsHostNameIsVerifiedAgainstTheCertificate() async throws {
        guard let peers = SMTPPeerEnvironment.require() else { return }
        // SNI and name verification with a DNS name (the IP tests above use the IP SAN instead).
        var configuration = self.configuration(peers, port: peers.tlsPort, security: .implicitTLS)
        configuration.host = "localhost"
        let result = try await self.send(configuration, to: ["erin@example.org"])
        #expect(result.accepted.count == 1)
    }

    @Test func authOverPlaintextIsRefusedUnlessAllowed() async throws {
        guard let peers = SMTPPeerEnvironment.require() else { return }
        let credentials = SMTPConfiguration.Credentials(username: peers.user, password: peers.password)
        var configuration = self.configuration(peers, port: peers.plainPort, security: .plain, credentials: credentials)
        let error = try await #require(throws: SMTPError.self) { try await self.send(configuration, to: ["frank@example.org"]) }
        #expect(error.kind == .plaintextAuthRefused)
        #expect(error.isPermanent)

        configuration.allowAuthOverPlaintext = true
        let result = try await self.send(configuration, to: ["frank@example.org"])
        #expect(result.accepted.count == 1)
    }

    @Test func startTLSIfAvailableWithAuthLogin() async throws {
        guard let peers = SMTPPeerEnvironment.require() else { return }
        let token = UUID().uuidString
        let credentials = SMTPConfiguration.Credentials(username: peers.user, password: peers.password)
        let configuration = self.configuration(peers, port: peers.startTLSOptionalPort, security: .startTLSIfAvailable, credentials: credentials)
        let result = try await self.send(configuration, to: ["grace@example.org"], token: token)
        #expect(result.accepted.count == 1)
        #expect(try SMTPPeerEnvironment.storedMessage(in: peers.maildirStartTLSOptional, containing: token) != nil)
    }

    @Test func severalRecipientsWithOneRejected() async throws {
        guard let peers = SMTPPeerEnvironment.require() else { return }
        let token = UUID().uuidString
        let result = try await self.send(
            self.configuration(peers, port: peers.plainPort, security: .plain),
            to: ["heidi@example.org", "rejected@example.org", "ivan@example.org"], token: token
        )
        #expect(result.accepted.map(\.address) == ["heidi@example.org", "ivan@example.org"])
        #expect(result.rejected.map(\.address) == ["rejected@example.org"])
        let rejection = try #require(result.rejected.first)
        #expect(rejection.reply.code == 550)
        #expect(rejection.reply.enhancedStatusCode == "5.1.1")
        #expect(rejection.isPermanentFailure)

        let stored = try #require(try SMTPPeerEnvironment.storedMessage(in: peers.maildirPlain, containing: token))
        #expect(String(decoding: stored, as: UTF8.self).contains("X-RcptTo: heidi@example.org, ivan@example.org\r\n"))
    }

    @Test func allRecipientsRejected() async throws {
        guard let peers = SMTPPeerEnvironment.require() else { return }
        let error = try await #require(throws: SMTPError.self) {
            try await self.send(self.configuration(peers, port: peers.plainPort, security: .plain), to: ["reject1@example.org", "reject2@example.org"])
        }
        #expect(error.kind == .allRecipientsRejected)
        #expect(error.rejectedRecipients.count == 2)
        #expect(error.isPermanent)
    }

    @Test func messageOverTheAnnouncedSizeIsRefusedBeforeData() async throws {
        guard let peers = SMTPPeerEnvironment.require() else { return }
        let token = UUID().uuidString
        let line = String(repeating: "x", count: 78) + "\n"
        let body = "Subject: big \(token)\n\n" + String(repeating: line, count: peers.sizeLimit / line.utf8.count + 10)
        let client = SMTPClient(configuration: self.configuration(peers, port: peers.plainPort, security: .plain), logger: self.logger)
        let error = try await #require(throws: SMTPError.self) {
            try await client.send(SMTPEnvelope(from: "noreply@sealdrop.test", to: ["judy@example.org"]), message: Array(body.utf8))
        }
        #expect(error.kind == .messageTooLarge)
        #expect(error.phase == .mail)
        #expect(error.isPermanent)
        #expect(try SMTPPeerEnvironment.storedMessage(in: peers.maildirPlain, containing: token) == nil)
    }

    @Test func smtpUTF8IsUsedWhenNeededAndAnnounced() async throws {
        guard let peers = SMTPPeerEnvironment.require() else { return }
        let token = UUID().uuidString
        let result = try await self.send(self.configuration(peers, port: peers.plainPort, security: .plain), to: ["jürgen@example.org"], token: token)
        #expect(result.accepted.map(\.address) == ["jürgen@example.org"])
        let stored = try #require(try SMTPPeerEnvironment.storedMessage(in: peers.maildirPlain, containing: token))
        #expect(String(decoding: stored, as: UTF8.self).contains("SMTPUTF8"))
    }

    @Test func heloFallbackAndMissingSMTPUTF8() async throws {
        guard let peers = SMTPPeerEnvironment.require() else { return }
        let token = UUID().uuidString
        let configuration = self.configuration(peers, port: peers.legacyPort, security: .plain)
        let result = try await self.send(configuration, to: ["kim@example.org"], token: token)
        #expect(result.accepted.count == 1)
        let stored = try #require(try SMTPPeerEnvironment.storedMessage(in: peers.maildirLegacy, containing: token))
        #expect(String(decoding: stored, as: UTF8.self).contains("X-MailOptions: \r\n"))

        let error = try await #require(throws: SMTPError.self) { try await self.send(configuration, to: ["jürgen@example.org"]) }
        #expect(error.kind == .extensionUnavailable)
        #expect(error.description.contains("SMTPUTF8"))
    }

    @Test func startTLSRequiredAgainstAServerWithoutIt() async throws {
        guard let peers = SMTPPeerEnvironment.require() else { return }
        let error = try await #require(throws: SMTPError.self) {
            try await self.send(self.configuration(peers, port: peers.plainPort, security: .startTLSRequired), to: ["leo@example.org"])
        }
        #expect(error.kind == .startTLSUnavailable)
        #expect(error.isPermanent)
    }
}
