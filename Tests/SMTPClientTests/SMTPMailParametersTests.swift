import Testing

@testable import SMTPClient

/// MAIL FROM parameter decisions for SIZE, 8BITMIME and SMTPUTF8.
@Suite struct SMTPMailParametersTests {
    private let envelope = SMTPEnvelope(from: "a@example.org", to: ["b@example.org"])
    private let full = SMTPCapabilities(extensions: ["SIZE": ["1000"], "8BITMIME": [], "SMTPUTF8": []])

    private func message(_ text: String) -> SMTPMessageData { SMTPMessageData(Array(text.utf8)) }

    @Test func asciiMessageGetsOnlySize() throws {
        let parameters = try SMTPMailParameters.make(envelope: self.envelope, message: self.message("S: x\r\n\r\nbody\r\n"), capabilities: self.full)
        #expect(parameters == ["SIZE=14"])
    }

    @Test func noParametersWithoutExtensions() throws {
        let parameters = try SMTPMailParameters.make(envelope: self.envelope, message: self.message("S: x\r\n\r\nbody\r\n"), capabilities: .none)
        #expect(parameters == [])
    }

    @Test func sizeWithoutLimitIsStillAnnounced() throws {
        let capabilities = SMTPCapabilities(extensions: ["SIZE": []])
        let parameters = try SMTPMailParameters.make(envelope: self.envelope, message: self.message(String(repeating: "x", count: 900)), capabilities: capabilities)
        #expect(parameters == ["SIZE=902"])
    }

    @Test func messageOverTheLimitIsRefusedBeforeMail() {
        let big = self.message(String(repeating: "0123456789\r\n", count: 100))
        #expect(throws: SMTPMailParameters.Refusal.self) {
            try SMTPMailParameters.make(envelope: self.envelope, message: big, capabilities: self.full)
        }
        do {
            _ = try SMTPMailParameters.make(envelope: self.envelope, message: big, capabilities: self.full)
        } catch {
            #expect(error.kind == .messageTooLarge)
        }
    }

    @Test func eightBitBodyUsesBody8BitMIME() throws {
        let parameters = try SMTPMailParameters.make(envelope: self.envelope, message: self.message("S: x\r\n\r\nGrüße\r\n"), capabilities: self.full)
        #expect(parameters == ["SIZE=17", "BODY=8BITMIME"])
    }

    @Test func eightBitBodyWithout8BitMIMEIsRefused() {
        #expect(throws: SMTPMailParameters.Refusal(kind: .extensionUnavailable, message: "message contains 8-bit data but the server does not announce 8BITMIME")) {
            try SMTPMailParameters.make(envelope: self.envelope, message: self.message("S: x\r\n\r\nGrüße\r\n"), capabilities: .none)
        }
    }

    @Test func utf8AddressNeedsSMTPUTF8() throws {
        let envelope = SMTPEnvelope(from: "a@example.org", to: ["jürgen@example.org"])
        let parameters = try SMTPMailParameters.make(envelope: envelope, message: self.message("S: x\r\n\r\nbody\r\n"), capabilities: self.full)
        #expect(parameters == ["SIZE=14", "SMTPUTF8"])
        do {
            _ = try SMTPMailParameters.make(envelope: envelope, message: self.message("S: x\r\n\r\nbody\r\n"), capabilities: SMTPCapabilities(extensions: ["8BITMIME": []]))
            Issue.record("expected a refusal")
        } catch {
            #expect(error.kind == .extensionUnavailable)
            #expect(error.message.contains("SMTPUTF8"))
        }
    }

    @Test func utf8HeaderNeedsSMTPUTF8AndBody8BitMIME() throws {
        let parameters = try SMTPMailParameters.make(envelope: self.envelope, message: self.message("Subject: Grüße\r\n\r\nbody\r\n"), capabilities: self.full)
        #expect(parameters == ["SIZE=26", "BODY=8BITMIME", "SMTPUTF8"])
    }

    @Test func overlongLineIsRefused() {
        let line = String(repeating: "x", count: 999)
        do {
            _ = try SMTPMailParameters.make(envelope: self.envelope, message: self.message(line), capabilities: self.full)
            Issue.record("expected a refusal")
        } catch {
            #expect(error.kind == .invalidMessage)
        }
    }

    @Test func envelopeValidationCatchesInjection() {
        #expect(SMTPEnvelope(from: "a@example.org", to: []).validationProblem != nil)
        #expect(SMTPEnvelope(from: "a@example.org\r\nRCPT TO:<x@evil>", to: ["b@example.org"]).validationProblem != nil)
        #expect(SMTPEnvelope(from: "a@example.org", to: ["<b@example.org>"]).validationProblem != nil)
        #expect(SMTPEnvelope(from: "", to: ["b@example.org"]).validationProblem == nil)
        #expect(SMTPEnvelope(from: "a@example.org", to: ["b@example.org"]).validationProblem == nil)
    }
}
