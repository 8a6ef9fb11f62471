import SMTPClient
import Testing
@testable import SealdropHTTP

/// `SEALDROP_SMTP_URL` parsing: schemes map to security modes and default ports; bad values name the key.
@Suite struct SMTPURLTests {
    @Test func schemesPortsAndCredentials() throws {
        let plain = try SMTPMailTransport.configuration(url: "smtp://relay.example.org", trustCA: nil, ehloName: "sealdrop.test")
        #expect(plain.security == .startTLSIfAvailable && plain.port == 25 && plain.credentials == nil)
        let submission = try SMTPMailTransport.configuration(url: "smtp+starttls://user%40corp:p%3Ass@relay.example.org",
                                                             trustCA: "/etc/ca.pem", ehloName: "sealdrop.test")
        #expect(submission.security == .startTLSRequired && submission.port == 587)
        #expect(submission.credentials?.username == "user@corp" && submission.credentials?.password == "p:ss")
        #expect(submission.trustRoots.additionalPEMFiles == ["/etc/ca.pem"])
        #expect(submission.ehloName == "sealdrop.test")
        let implicit = try SMTPMailTransport.configuration(url: "smtps://relay.example.org:2465", trustCA: nil, ehloName: "x")
        #expect(implicit.security == .implicitTLS && implicit.port == 2465)
    }

    @Test(arguments: ["ftp://relay", "smtp://", "relay.example.org:25", "smtp://:25"])
    func badURLsNameTheKey(url: String) {
        #expect(throws: ConfigurationError.self) {
            _ = try SMTPMailTransport.configuration(url: url, trustCA: nil, ehloName: "x")
        }
        do {
            _ = try SMTPMailTransport.configuration(url: url, trustCA: nil, ehloName: "x")
        } catch let error as ConfigurationError {
            #expect(error.key == "SEALDROP_SMTP_URL")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func onlyRefusalsOfTheMessageArePermanent() {
        func error(_ kind: SMTPError.Kind) -> SMTPError {
            SMTPError(kind: kind, host: "h", port: 25, phase: .connect, message: "m")
        }
        #expect(!SMTPMailTransport.isAboutTheMessage(error(.tlsFailed)))
        #expect(!SMTPMailTransport.isAboutTheMessage(error(.authFailed)))
        #expect(!SMTPMailTransport.isAboutTheMessage(error(.connectFailed)))
        #expect(SMTPMailTransport.isAboutTheMessage(error(.allRecipientsRejected)))
        #expect(SMTPMailTransport.isAboutTheMessage(error(.messageTooLarge)))
    }
}
