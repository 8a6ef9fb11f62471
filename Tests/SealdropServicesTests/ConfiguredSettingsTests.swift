import Testing

import SealdropCore
import SealdropServices

/// The "configured or admin-chosen" rule for the relay, the sender address and the base URL.
@Suite struct ConfiguredSettingsTests {
    static func configured(pinned: Bool) -> ConfiguredSettings {
        ConfiguredSettings(relayURL: .init("smtp://configured.example", pinned: pinned),
                           mailFrom: .init("sealdrop@configured.example", pinned: pinned),
                           baseURL: .init("https://configured.example", pinned: pinned))
    }

    static let chosen: SealdropSettings = {
        var s = SealdropSettings()
        s.mail = MailServerSettings(relayURL: "smtps://chosen.example", from: "files@chosen.example")
        s.publicBaseURL = "https://chosen.example/"
        return s
    }()

    @Test func anAdminChoiceWinsOverAnUnpinnedConfiguration() {
        let c = Self.configured(pinned: false)
        #expect(c.relayURL(in: Self.chosen) == "smtps://chosen.example")
        #expect(c.mailFrom(in: Self.chosen) == "files@chosen.example")
        #expect(c.baseURL(in: Self.chosen) == "https://chosen.example")
        #expect(c.pinnedKeys.isEmpty)
    }

    @Test func emptyChoicesFallBackToTheConfiguration() {
        let c = Self.configured(pinned: false)
        #expect(c.relayURL(in: SealdropSettings()) == "smtp://configured.example")
        #expect(c.mailFrom(in: SealdropSettings()) == "sealdrop@configured.example")
        #expect(c.baseURL(in: SealdropSettings()) == "https://configured.example")
    }

    @Test func aPinnedConfigurationWinsAndIsReadOnly() {
        let c = Self.configured(pinned: true)
        #expect(c.relayURL(in: Self.chosen) == "smtp://configured.example")
        #expect(c.mailFrom(in: Self.chosen) == "sealdrop@configured.example")
        #expect(c.baseURL(in: Self.chosen) == "https://configured.example")
        #expect(c.pinnedKeys == ["mail.relayURL", "mail.from", "publicBaseURL"])
    }
}
