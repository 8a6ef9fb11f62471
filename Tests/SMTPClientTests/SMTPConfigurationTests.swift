import Testing

@testable import SMTPClient

/// Configuration checks that make a bad setup fail at start.
@Suite struct SMTPConfigurationTests {
    @Test func validConfigurationPasses() throws {
        try SMTPConfiguration(host: "smtp.example.org", port: 587).validate()
    }

    @Test(arguments: [
        SMTPConfiguration(host: "", port: 587),
        SMTPConfiguration(host: "smtp.example.org", port: 0),
        SMTPConfiguration(host: "smtp.example.org", port: 587, ehloName: "evil\r\nRSET"),
        SMTPConfiguration(host: "smtp.example.org", port: 587, credentials: .init(username: "", password: "x")),
        SMTPConfiguration(host: "smtp.example.org", port: 587, trustRoots: .init(useSystemRoots: false)),
    ])
    func invalidConfigurationFails(configuration: SMTPConfiguration) {
        do {
            try configuration.validate()
            Issue.record("expected invalidConfiguration")
        } catch {
            #expect(error.kind == .invalidConfiguration)
        }
    }

    @Test func defaultsFollowRFC5321() {
        let timeouts = SMTPConfiguration.Timeouts()
        #expect(timeouts.greeting == .seconds(300) && timeouts.mail == .seconds(300) && timeouts.rcpt == .seconds(300))
        #expect(timeouts.dataInitiation == .seconds(120) && timeouts.dataBlock == .seconds(180) && timeouts.dataTermination == .seconds(600))
        let configuration = SMTPConfiguration(host: "smtp.example.org", port: 587)
        #expect(configuration.security == .startTLSRequired)
        #expect(!configuration.allowAuthOverPlaintext)
        #expect(configuration.trustRoots == .system)
    }
}
