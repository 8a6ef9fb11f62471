import Foundation
import Mustache
import SealdropCore

/// The metadata file of an archive copy (`meta-info.xml` by default), rendered from a Mustache template: the
/// built-in one or the administrator's (`archive.metadataTemplate`). Values are escaped for XML by Mustache's `{{…}}`;
/// characters XML 1.0 cannot hold at all (most control characters) are replaced by U+FFFD first.
public struct ArchiveMetadata: Sendable {
    /// One transfer file as the metadata describes it.
    public struct File: Sendable {
        public var name: String
        public var archivedAs: String
        public var size: Int64
        public var checksum: String
    }

    /// The built-in template (`docs/archiving.md` lists every value).
    public static let builtInTemplate = """
        <?xml version="1.0" encoding="UTF-8"?>
        <transfer xmlns="https://sealdrop.org/archive/meta-info/1">
          <trackingId>{{trackingId}}</trackingId>
          <sender>
            <email>{{senderEmail}}</email>
            <name>{{senderName}}</name>
            <ip>{{senderIP}}</ip>
          </sender>
          <recipients>
        {{#recipients}}    <recipient type="{{kind}}">{{email}}</recipient>
        {{/recipients}}  </recipients>
          <subject>{{subject}}</subject>
          <created>{{createdAt}}</created>
          <sent>{{sentAt}}</sent>
          <expires>{{expiresAt}}</expires>
          <passwordMode>{{passwordMode}}</passwordMode>
          <rules>
        {{#rules}}    <rule>{{.}}</rule>
        {{/rules}}  </rules>
          <fileChecksumAlgorithm>{{fileChecksumAlgorithm}}</fileChecksumAlgorithm>
          <files>
        {{#files}}    <file>
              <name>{{name}}</name>
              <archivedAs>{{archivedAs}}</archivedAs>
              <size>{{size}}</size>
              <checksum>{{checksum}}</checksum>
            </file>
        {{/files}}  </files>
          <archiveMode>{{archiveMode}}</archiveMode>
        </transfer>

        """

    let template: MustacheTemplate

    /// The administrator's template, or the built-in one when `source` is empty; throws when it does not compile.
    public init(template source: String) throws {
        template = try MustacheTemplate(string: source.isEmpty ? Self.builtInTemplate : source)
    }

    /// The metadata of `transfer` as UTF-8 bytes.
    public func render(transfer: TransferRecord, recipients: [RecipientRecord], files: [File], rules: [String],
                       mode: ArchiveSettings.Mode, sentAt: Date) -> [UInt8] {
        let context = Context(
            trackingId: transfer.trackingId.rawValue,
            senderEmail: Self.clean(transfer.senderEmail.address),
            senderName: Self.clean(transfer.sender.name),
            senderIP: Self.clean(transfer.senderIP ?? ""),
            recipients: recipients.map { Context.Recipient(email: Self.clean($0.email.address), kind: $0.kind.rawValue.lowercased()) },
            subject: Self.clean(transfer.settings.notificationMessage.subject),
            createdAt: Self.date(transfer.createdAt),
            sentAt: Self.date(sentAt),
            expiresAt: Self.date(transfer.settings.expirationDate),
            passwordMode: transfer.settings.passwordMode.rawValue,
            rules: rules.map(Self.clean),
            fileChecksumAlgorithm: "SHA-256",
            files: files.map { Context.File(name: Self.clean($0.name), archivedAs: Self.clean($0.archivedAs), size: "\($0.size)", checksum: $0.checksum) },
            archiveMode: mode.rawValue)
        return Array(template.render(context).utf8)
    }

    /// The values the template sees (`docs/archiving.md` lists them), cleaned for XML.
    struct Context {
        struct Recipient { let email: String, kind: String }
        struct File { let name: String, archivedAs: String, size: String, checksum: String }

        let trackingId: String, senderEmail: String, senderName: String, senderIP: String
        let recipients: [Recipient]
        let subject: String, createdAt: String, sentAt: String, expiresAt: String, passwordMode: String
        let rules: [String]
        let fileChecksumAlgorithm: String
        let files: [File]
        let archiveMode: String
    }

    /// RFC 3339 in UTC.
    static func date(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "UTC")!))
    }

    /// `text` without the characters XML 1.0 forbids (C0 controls but tab, newline and return; U+FFFE, U+FFFF).
    static func clean(_ text: String) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            let v = scalar.value
            let allowed = v == 0x9 || v == 0xA || v == 0xD || (v >= 0x20 && v != 0xFFFE && v != 0xFFFF)
            scalars.append(allowed ? scalar : "\u{FFFD}")
        }
        return String(scalars)
    }
}
