import Foundation
import SMTPClient
import SealdropCore
import Testing
@testable import SealdropApp

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

/// Mail settings of the process configuration: the relay URL is printed without its password; the
/// outbox's give-up age and the mail templates come from the config file and data dir.
@Suite struct MailConfigurationTests {
    func load(_ json: String, dataDir: String = "/tmp/sealdrop-mail-config-test") throws -> ServerConfiguration {
        let path = "/tmp/sealdrop-mail-config-\(UInt32.random(in: 0...UInt32.max)).json"
        try json.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try ServerConfiguration.load(environment: ["SEALDROP_DATA_DIR": dataDir, "SEALDROP_SMTP_URL": "smtps://user:s3cret@relay.example.org"],
                                            configFile: path, dev: false)
    }

    @Test func relayPasswordIsNeverPrinted() throws {
        let c = try load("{}")
        #expect(c.smtpURLForDisplay == "smtps://user:***@relay.example.org")
        #expect(!c.smtpURLForDisplay.contains("s3cret"))
    }

    @Test func outboxMaxAgeDefaultsAndIsValidated() throws {
        #expect(try load("{}").outbox.maxAge == 48 * 3600)
        #expect(try load(#"{"outboxMaxAgeHours": 2.5}"#).outbox.maxAge == 2.5 * 3600)
        for bad in ["0", "-1", "1000"] {
            #expect {
                _ = try load(#"{"outboxMaxAgeHours": \#(bad)}"#)
            } throws: { ($0 as? ConfigurationError)?.key == "outboxMaxAgeHours" }
        }
    }

    @Test func brokenTemplateOverrideNamesTheFile() throws {
        let dataDir = "/tmp/sealdrop-mail-templates-\(UInt32.random(in: 0...UInt32.max))"
        defer { try? FileManager.default.removeItem(atPath: dataDir) }
        let c = try load("{}", dataDir: dataDir)
        #expect(try c.loadMailTemplates().languages == ["en", "de"])
        try FileManager.default.createDirectory(atPath: c.mailTemplatesDirectory, withIntermediateDirectories: true)
        try "{{/unopened}}".write(toFile: c.mailTemplatesDirectory + "/revocation.de.html.mustache", atomically: true, encoding: .utf8)
        #expect {
            _ = try c.loadMailTemplates()
        } throws: { error in
            guard let e = error as? ConfigurationError else { return false }
            return e.key == "mail templates" && e.problem.contains("revocation.de.html.mustache")
        }
    }
}
