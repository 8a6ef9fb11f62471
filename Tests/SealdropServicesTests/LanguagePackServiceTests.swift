import Foundation
import GRDB
import Logging
import SealdropCore
import SealdropFormats
@testable import SealdropServices
import SealdropStore
import Testing

/// Uploading and removing language packs: what is stored when uploads of one locale race.
@Suite struct LanguagePackServiceTests {
    /// Real SQLite underneath; saving the version `slowVersion` takes a moment, as a busy disk would.
    final class SlowSaves: LanguagePackRepository {
        let database: SealdropDatabase
        let slowVersion: String

        init(database: SealdropDatabase, slowVersion: String) {
            self.database = database
            self.slowVersion = slowVersion
        }

        func languagePacks() async throws -> [StoredLanguagePack] { try await database.languagePacks() }
        func saveLanguagePack(_ pack: StoredLanguagePack) async throws {
            if pack.version == slowVersion { try await Task.sleep(for: .milliseconds(50)) }
            try await database.saveLanguagePack(pack)
        }
        func deleteLanguagePack(locale: String) async throws -> Bool { try await database.deleteLanguagePack(locale: locale) }
    }

    /// A pack ZIP (stored entries) for `locale` at `version`, made with the server's own ZIP writer.
    static func pack(locale: String, version: String) throws -> [UInt8] {
        let manifest = #"{"locale":"\#(locale)","version":"\#(version)","lastChangeTimestamp":null}"#
        var writer = ZipStreamWriter()
        var zip: [UInt8] = []
        for (name, text) in [("manifest.json", manifest), ("web.json", #"{"send":"Envoyer \#(version)"}"#)] {
            zip += writer.beginEntry(name: name, size: UInt64(text.utf8.count), modified: Date())
            writer.entryData(Array(text.utf8))
            zip += Array(text.utf8)
            zip += try writer.endEntry()
        }
        return zip + writer.finish()
    }

    @Test func anOlderVersionNeverOverwritesANewerOneUploadedAtTheSameTime() async throws {
        for _ in 0..<5 {
            let database = try SealdropDatabase(writer: try DatabaseQueue(), bodySealer: nil)
            let service = LanguagePackService(repository: SlowSaves(database: database, slowVersion: "1.0"),
                                              audit: AuditLog(repository: database), logger: Logger(label: "sealdrop.tests"))
            let older = try Self.pack(locale: "fr-FR", version: "1.0"), newer = try Self.pack(locale: "fr-FR", version: "2.0")
            async let a: Void = { _ = try? await service.upload(older, by: "admin") }()
            async let b: Void = { try? await Task.sleep(for: .milliseconds(5)); _ = try? await service.upload(newer, by: "admin") }()
            _ = await (a, b)
            #expect(service.pack(locale: "fr-FR")?.version == "2.0")
            #expect(try await database.languagePacks().map(\.version) == ["2.0"])
        }
    }
}

/// Mail templates that language packs bring (`mail.json`): checked at upload, in force at once, gone with the pack.
@Suite struct LanguagePackMailTests {
    static func pack(locale: String, mail: [String: String], version: String = "1.0") throws -> [UInt8] {
        let manifest = #"{"locale":"\#(locale)","version":"\#(version)","lastChangeTimestamp":null}"#
        let mailJSON = String(decoding: try JSONSerialization.data(withJSONObject: mail, options: [.sortedKeys]), as: UTF8.self)
        var writer = ZipStreamWriter()
        var zip: [UInt8] = []
        for (name, text) in [("manifest.json", manifest), ("mail.json", mailJSON)] {
            zip += writer.beginEntry(name: name, size: UInt64(text.utf8.count), modified: Date())
            writer.entryData(Array(text.utf8))
            zip += Array(text.utf8)
            zip += try writer.endEntry()
        }
        return zip + writer.finish()
    }

    static let french = [
        "verification-code.subject": "Votre code : {{code}}",
        "verification-code.text": "Code {{code}}, valable {{validMinutes}} minutes.",
        "verification-code.html": "{{<layout}}{{$content}}<p>Code <strong>{{code}}</strong></p>{{/content}}{{/layout}}",
    ]

    struct Fixture {
        let database: SealdropDatabase
        let notifications: Notifications
        let service: LanguagePackService

        init() throws {
            database = try SealdropDatabase(writer: try DatabaseQueue(), bodySealer: nil)
            notifications = Notifications(builder: MailMessageBuilder(from: "sealdrop@example.org", messageIdHost: "example.org"),
                                          templates: try MailTemplates(), baseURL: "https://sealdrop.test")
            service = LanguagePackService(repository: database, audit: AuditLog(repository: database), logger: Logger(label: "sealdrop.tests"),
                                          mailTemplates: notifications.templateSource)
        }

        func code(_ language: String) -> OutboxMessage {
            notifications.verificationCode(to: EmailAddress("alice@example.org")!, code: "123456", validMinutes: 30, language: language, now: Date())
        }
    }

    @Test func anUploadedPackSendsItsMailsAndItsRemovalEndsThem() async throws {
        let f = try Fixture()
        #expect(f.code("fr-FR").subject.hasPrefix("Your"))
        try await f.service.upload(try Self.pack(locale: "fr-FR", mail: Self.french), by: "admin")
        let french = f.code("fr-FR")
        #expect(french.subject == "Votre code : 123456")
        #expect(MailTextParts.text(french)?.contains("valable 30 minutes") == true)
        #expect(MailTextParts.html(french)?.contains("<html lang=\"fr-fr\">") == true)
        // Only the tag's whole or primary language picks the pack; others keep theirs.
        #expect(f.code("fr").subject == "Your verification code")
        #expect(f.code("de").subject == "Ihr Verifizierungscode")
        // A kind the pack lacks is sent from the built-in templates.
        let t = NotificationsTests().transfer(language: "fr-FR")
        let r = NotificationsTests().recipient(t)
        let notification = f.notifications.recipientNotification(transfer: t, recipient: r, files: [], linkPassword: nil, now: Date())
        #expect(MailTextParts.text(notification)?.contains("has provided files for you") == true)
        #expect(f.service.pack(locale: "fr-FR")?.missingMailKeys.contains("recipient-notification.subject") == true)
        #expect(f.service.pack(locale: "fr-FR")?.missingMailKeys.contains("verification-code.subject") == false)
        #expect(try await f.service.delete(locale: "fr-FR", by: "admin"))
        #expect(f.code("fr-FR").subject.hasPrefix("Your"))
    }

    @Test func aRegionalPackFallsBackToItsBuiltInLanguagePartByPart() async throws {
        let f = try Fixture()
        try await f.service.upload(try Self.pack(locale: "de-AT", mail: ["verification-code.subject": "Ihr Code (Österreich): {{code}}"]), by: "admin")
        let mail = f.code("de-AT")
        #expect(mail.subject == "Ihr Code (Österreich): 123456")
        #expect(MailTextParts.text(mail).map { !$0.contains("Your") && $0.contains("123456") } == true)
    }

    @Test(arguments: [
        (["verification-code.subject": "{{#code}}unclosed"], "not a valid Mustache template"),
        (["verification-code.body": "x"], "is not <kind>.<part>"),
        (["no-such-mail.subject": "x"], "is not <kind>.<part>"),
    ])
    func brokenMailTemplatesRefuseThePack(mail: [String: String], reason: String) async throws {
        let f = try Fixture()
        await #expect { try await f.service.upload(try Self.pack(locale: "fr-FR", mail: mail), by: "admin") } throws: { error in
            guard case AdminError.invalid(let problems) = error else { return false }
            return problems.first?.message.contains(reason) == true
        }
        #expect(f.service.pack(locale: "fr-FR") == nil)
        #expect(try await f.database.languagePacks().isEmpty)
        #expect(f.code("fr-FR").subject.hasPrefix("Your"))
    }
}

/// The decoded parts of a built message (text and HTML alternatives).
enum MailTextParts {
    static func text(_ message: OutboxMessage) -> String? { BrandedMailTests.part(message.message, "text/plain") }
    static func html(_ message: OutboxMessage) -> String? { BrandedMailTests.part(message.message, "text/html") }
}
