import Foundation

/// Where and how every sent transfer is copied to the organisation's archive (`docs/archiving.md`).
///
/// `enabled` is the default of the policy rules' `archive` setting (and the whole answer without rules). Secrets
/// (`password`, `privateKey`, `privateKeyPassphrase`) are sealed at rest (`SettingsSecrets`) and never shown.
public struct ArchiveSettings: Codable, Sendable, Equatable {
    /// How the archive copy reaches the archive.
    public enum Connector: String, Codable, Sendable, CaseIterable {
        /// A directory on this machine (or a mounted share): `file:///path`.
        case local
        /// SFTP over SSH: `sftp://user@host[:port]/path`.
        case sftp
        /// The SCP sink protocol over SSH, for servers without SFTP: `scp://user@host[:port]/path`.
        case scp
    }

    /// Whether the archive holds the files as sent or sealed for the compliance team.
    public enum Mode: String, Codable, Sendable, CaseIterable {
        /// The files, metadata and EML as they are.
        case plain
        /// Every archived file encrypted to `ageRecipients` in the age format (`name.age`).
        case age
    }

    public var enabled: Bool = false
    public var connector: Connector = .local
    /// `file:///path`, `sftp://user@host[:port]/path` or `scp://user@host[:port]/path`; a folder per transfer goes below.
    public var url: String = ""
    /// The SSH user's password (password authentication); sealed at rest, never shown.
    public var password: String = ""
    /// The SSH user's private key in OpenSSH format (public-key authentication); sealed at rest, never shown.
    public var privateKey: String = ""
    /// The passphrase of `privateKey`, when it has one; sealed at rest, never shown.
    public var privateKeyPassphrase: String = ""
    /// The accepted host key of the SSH server, `SHA256:…` as `ssh-keygen -lf` prints it.
    public var hostKeyFingerprint: String = ""
    /// Appended to a file's name while it is written.
    public var writeSuffix: String = ".writing"
    /// Appended to a file's name once it is complete (empty: the plain name).
    public var readySuffix: String = ""
    /// The suffix the archive system appends once it took a file; the local connector's clean-up removes those.
    public var archivedSuffix: String = ".archived"
    /// Whether the recipient notification and the confidential message are archived as `notification.eml`.
    public var eml: Bool = false
    public var mode: Mode = .plain
    /// `age1…` recipients of sealed archives.
    public var ageRecipients: [String] = []
    /// Name of the metadata file in each transfer's folder.
    public var metadataFileName: String = "meta-info.xml"
    /// A Mustache template replacing the built-in metadata (empty: built-in; `docs/archiving.md` lists the values).
    public var metadataTemplate: String = ""
    /// The limit of each step of an archive connection (connect, authentication, each request).
    public var timeoutSeconds: Int = 30

    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = ArchiveSettings()
        enabled = try c.decodeIfPresent(Bool.self, forKey: .enabled) ?? d.enabled
        connector = try c.decodeIfPresent(Connector.self, forKey: .connector) ?? d.connector
        url = try c.decodeIfPresent(String.self, forKey: .url) ?? d.url
        password = try c.decodeIfPresent(String.self, forKey: .password) ?? d.password
        privateKey = try c.decodeIfPresent(String.self, forKey: .privateKey) ?? d.privateKey
        privateKeyPassphrase = try c.decodeIfPresent(String.self, forKey: .privateKeyPassphrase) ?? d.privateKeyPassphrase
        hostKeyFingerprint = try c.decodeIfPresent(String.self, forKey: .hostKeyFingerprint) ?? d.hostKeyFingerprint
        writeSuffix = try c.decodeIfPresent(String.self, forKey: .writeSuffix) ?? d.writeSuffix
        readySuffix = try c.decodeIfPresent(String.self, forKey: .readySuffix) ?? d.readySuffix
        archivedSuffix = try c.decodeIfPresent(String.self, forKey: .archivedSuffix) ?? d.archivedSuffix
        eml = try c.decodeIfPresent(Bool.self, forKey: .eml) ?? d.eml
        mode = try c.decodeIfPresent(Mode.self, forKey: .mode) ?? d.mode
        ageRecipients = try c.decodeIfPresent([String].self, forKey: .ageRecipients) ?? d.ageRecipients
        metadataFileName = try c.decodeIfPresent(String.self, forKey: .metadataFileName) ?? d.metadataFileName
        metadataTemplate = try c.decodeIfPresent(String.self, forKey: .metadataTemplate) ?? d.metadataTemplate
        timeoutSeconds = try c.decodeIfPresent(Int.self, forKey: .timeoutSeconds) ?? d.timeoutSeconds
    }

    /// The parsed `url`; nil when it is empty or not one of the connector's forms.
    public var target: ArchiveTargetURL? { ArchiveTargetURL(url) }

    /// Problems that make archiving unusable, each starting with its key. The URL, credentials and recipients are
    /// required only when archiving is on by default; a rule that switches it on with an incomplete target gets
    /// its copies queued (and retried) until the target is complete.
    public func validationErrors() -> [String] {
        var errors: [String] = []
        if !url.isEmpty {
            if let target {
                if target.connector != connector {
                    errors.append("archive.url must start with \(connector.rawValue == "local" ? "file" : connector.rawValue):// for the \(connector.rawValue) connector")
                }
            } else {
                errors.append("archive.url must be file:///path, sftp://user@host[:port]/path or scp://user@host[:port]/path")
            }
        } else if enabled {
            errors.append("archive.url must name where archive copies go")
        }
        if !hostKeyFingerprint.isEmpty && !Self.isFingerprint(hostKeyFingerprint) {
            errors.append("archive.hostKeyFingerprint must be SHA256:… as ssh-keygen -lf prints it")
        }
        for (key, suffix) in [("writeSuffix", writeSuffix), ("readySuffix", readySuffix), ("archivedSuffix", archivedSuffix)]
        where !suffix.isEmpty && !ArchiveNames.isSafeSuffix(suffix) {
            errors.append("archive.\(key) must be at most 32 letters, digits, dots, dashes or underscores")
        }
        if !writeSuffix.isEmpty && writeSuffix == readySuffix { errors.append("archive.writeSuffix must differ from archive.readySuffix") }
        if archivedSuffix.isEmpty { errors.append("archive.archivedSuffix must be set (the clean-up removes only files that carry it)") }
        if !archivedSuffix.isEmpty && (archivedSuffix == readySuffix || archivedSuffix == writeSuffix) {
            errors.append("archive.archivedSuffix must differ from the write and ready suffixes")
        }
        if mode == .age && ageRecipients.isEmpty { errors.append("archive.ageRecipients must name at least one age1… recipient for sealed archives") }
        for recipient in ageRecipients where !recipient.lowercased().hasPrefix("age1") || recipient.count != 62 {
            errors.append("archive.ageRecipients must be age1… recipients (62 characters), not \(recipient.prefix(70))")
        }
        if ArchiveNames.safe(metadataFileName) != metadataFileName || metadataFileName.isEmpty {
            errors.append("archive.metadataFileName must be a plain file name")
        }
        if metadataTemplate.utf8.count > 256 * 1024 { errors.append("archive.metadataTemplate must be at most 256 KiB") }
        if !(1...600).contains(timeoutSeconds) { errors.append("archive.timeoutSeconds must be between 1 and 600") }
        return errors
    }

    /// `SHA256:` and 43 characters of unpadded base64.
    static func isFingerprint(_ text: String) -> Bool {
        guard text.hasPrefix("SHA256:") else { return false }
        let body = text.dropFirst(7).replacingOccurrences(of: "=", with: "")
        return body.count == 43 && body.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "+" || $0 == "/") }
    }
}

/// An archive target parsed from its URL.
public struct ArchiveTargetURL: Sendable, Equatable {
    public var connector: ArchiveSettings.Connector
    public var user: String
    public var host: String
    public var port: Int
    /// The absolute directory the transfer folders go into (SFTP/SCP: on the server; a chrooted user sees `/`).
    public var path: String

    /// Parses `file:///path`, `sftp://user@host[:port]/path` or `scp://user@host[:port]/path`; nil otherwise.
    public init?(_ text: String) {
        guard !text.isEmpty, text.count <= 2048, !text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }),
              let components = URLComponents(string: text), let scheme = components.scheme?.lowercased() else { return nil }
        let path = components.percentEncodedPath.removingPercentEncoding ?? ""
        guard path.hasPrefix("/"), !path.split(separator: "/").contains(where: { $0 == ".." }), !path.contains("\0") else { return nil }
        switch scheme {
        case "file":
            guard (components.host ?? "").isEmpty, components.user == nil else { return nil }
            self.init(connector: .local, user: "", host: "", port: 0, path: path)
        case "sftp", "scp":
            guard let host = components.host, !host.isEmpty, let user = components.user?.removingPercentEncoding, !user.isEmpty,
                  components.password == nil, components.query == nil else { return nil }
            let port = components.port ?? 22
            guard (1...65535).contains(port) else { return nil }
            self.init(connector: scheme == "sftp" ? .sftp : .scp, user: user, host: host, port: port, path: path)
        default:
            return nil
        }
    }

    public init(connector: ArchiveSettings.Connector, user: String, host: String, port: Int, path: String) {
        self.connector = connector
        self.user = user
        self.host = host
        self.port = port
        self.path = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
    }
}
