import Foundation
import SealdropServices
import Logging
import SealdropCore
import SealdropCrypto
import SealdropHTTP

/// The process configuration of `sealdrop serve`: the operational contract of DESIGN §6.
///
/// Sources, later winning: defaults, the JSON config file, environment variables. Run-time settings
/// (policy, passwords, verification, …) come from the file's `settings` member.
public struct ServerConfiguration: Sendable {
    /// A listener address, or `off` (the HTTP module's type: it binds them).
    public typealias Listener = ListenerAddress

    /// Log output format.
    public enum LogFormat: String, Sendable { case text, json }

    public var dataDirectory: String
    public var userHTTP: Listener
    public var userHTTPS: Listener
    public var adminHTTPS: Listener
    public var adminHTTP: Listener
    public var baseURL: String
    public var databaseURL: String
    public var smtpURL: String
    public var mailFrom: String
    public var tlsCertificatePath: String?
    public var tlsKeyPath: String?
    public var trustCAPath: String?
    public var adminPassword: String?
    public var logLevel: Logger.Level
    public var logFormat: LogFormat
    public var settings: SealdropSettings
    /// scrypt cost for wrapping transfer keys; tests lower it through the config file.
    public var passwordWrap: PasswordKeyWrap.Parameters
    /// Seconds before the first retry of a mail the relay did not take (doubling up to an hour).
    public var outboxFirstRetrySeconds: Double
    /// Hours a mail is retried before it is marked failed with the relay's last answer.
    public var outboxMaxAgeHours: Double = 48
    /// Seconds a client has to send a complete request head (0: no limit).
    public var requestHeaderTimeout: Double = 30
    /// Seconds in which a client must send at least 1 KiB of a request body while the server waits for it (0: no limit).
    public var requestBodyTimeout: Double = 60
    /// The configuration file's `settings` object as JSON text: these keys are read-only in the admin interface.
    public var pinnedSettingsJSON: String?
    /// Whether `SEALDROP_SMTP_URL` or the file's `smtpURL` chose the relay (then the admin setting is read-only).
    public var smtpURLPinned = false
    /// Whether mail falls back to the `capture:` transport only because nothing chose a relay, outside `--dev`:
    /// then the server warns at start and on the status page (see `mailCaptureWarning`).
    public var mailCapturedByDefault = false
    /// Whether `SEALDROP_MAIL_FROM` or the file's `mailFrom` chose the sender address.
    public var mailFromPinned = false
    /// Whether `SEALDROP_BASE_URL` or the file's `baseURL` chose the public base URL.
    public var baseURLPinned = false
    /// Run-time settings an environment variable or top-level configuration key decides, read-only in the admin.
    public var environmentPinnedSettings: Set<String> {
        var keys: Set<String> = []
        if smtpURLPinned { keys.insert("mail.relayURL") }
        if mailFromPinned { keys.insert("mail.from") }
        if baseURLPinned { keys.insert("publicBaseURL") }
        return keys
    }
    /// bcrypt cost of administrator passwords (4–16); tests lower it through the config file.
    public var adminBcryptCost: Int = 12

    /// The file shape: every member optional.
    struct File: Decodable {
        var dataDir: String?
        var userHTTP: String?
        var userHTTPS: String?
        var adminHTTPS: String?
        var adminHTTP: String?
        var baseURL: String?
        var databaseURL: String?
        var smtpURL: String?
        var mailFrom: String?
        var tlsCert: String?
        var tlsKey: String?
        var trustCA: String?
        var logLevel: String?
        var logFormat: String?
        var settings: SealdropSettings?
        var passwordWrap: PasswordKeyWrap.Parameters?
        var outboxFirstRetrySeconds: Double?
        var outboxMaxAgeHours: Double?
        var requestHeaderTimeout: Double?
        var requestBodyTimeout: Double?
        var adminBcryptCost: Int?
        /// Allows `passwordWrap` below the configuration floor: for test and benchmark setups only.
        var insecureTestingCosts: Bool?
    }

    /// Loads and validates; the error names the key and the problem in one line.
    public static func load(environment: [String: String], configFile: String?, dev: Bool) throws -> ServerConfiguration {
        var file = File()
        if let configFile {
            guard let data = FileManager.default.contents(atPath: configFile) else {
                throw ConfigurationError(key: "--config", problem: "cannot read \(configFile)")
            }
            do {
                file = try JSONDecoder().decode(File.self, from: data)
            } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context),
                    let DecodingError.dataCorrupted(context) {
                let path = context.codingPath.map(\.stringValue).joined(separator: ".")
                throw ConfigurationError(key: path.isEmpty ? configFile : path, problem: "invalid value in \(configFile)")
            } catch {
                throw ConfigurationError(key: configFile, problem: "is not valid JSON")
            }
        }
        func value(_ env: String, _ fromFile: String?) -> String? {
            if let v = environment[env], !v.isEmpty { return v }
            return fromFile
        }
        let dataDir = value("SEALDROP_DATA_DIR", file.dataDir) ?? (dev ? "./sealdrop-data" : "/var/lib/sealdrop")
        let absoluteData = URL(fileURLWithPath: dataDir).standardizedFileURL.path
        let userHTTP = try parseListener(value("SEALDROP_USER_HTTP", file.userHTTP) ?? (dev ? "0.0.0.0:8000" : "0.0.0.0:80"), key: "SEALDROP_USER_HTTP")
        let userHTTPS = try parseListener(value("SEALDROP_USER_HTTPS", file.userHTTPS) ?? (dev ? "0.0.0.0:8443" : "0.0.0.0:443"), key: "SEALDROP_USER_HTTPS")
        let adminHTTPS = try parseListener(value("SEALDROP_ADMIN_HTTPS", file.adminHTTPS) ?? "0.0.0.0:8080", key: "SEALDROP_ADMIN_HTTPS")
        let adminHTTP = try parseListener(value("SEALDROP_ADMIN_HTTP", file.adminHTTP) ?? "0.0.0.0:9090", key: "SEALDROP_ADMIN_HTTP")
        let listeners = [userHTTP, userHTTPS, adminHTTPS, adminHTTP].filter { $0 != .off }
        if Set(listeners.map(\.description)).count != listeners.count {
            throw ConfigurationError(key: "SEALDROP_*_HTTP(S)", problem: "two listeners use the same host:port")
        }
        let baseURL: String
        if let given = value("SEALDROP_BASE_URL", file.baseURL) {
            guard let url = URL(string: given), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
                throw ConfigurationError(key: "SEALDROP_BASE_URL", problem: "must be an absolute http(s) URL")
            }
            baseURL = given.hasSuffix("/") ? String(given.dropLast()) : given
        } else {
            baseURL = derivedBaseURL(https: userHTTPS, http: userHTTP)
        }
        let databaseURL = value("SEALDROP_DATABASE_URL", file.databaseURL) ?? "sqlite:\(absoluteData)/sealdrop.sqlite"
        guard databaseURL.hasPrefix("sqlite:") else {
            throw ConfigurationError(key: "SEALDROP_DATABASE_URL", problem: "only sqlite:PATH is supported in this release")
        }
        let smtpURL = value("SEALDROP_SMTP_URL", file.smtpURL) ?? "capture:"
        let host = URL(string: baseURL)?.host ?? "localhost"
        let trustCA = value("SEALDROP_TRUST_CA", file.trustCA)
        if let trustCA, !FileManager.default.isReadableFile(atPath: trustCA) {
            throw ConfigurationError(key: "SEALDROP_TRUST_CA", problem: "cannot read \(trustCA)")
        }
        if !smtpURL.hasPrefix("capture:") {
            _ = try SMTPMailTransport.configuration(url: smtpURL, trustCA: trustCA, ehloName: host)
        }
        let mailFrom = value("SEALDROP_MAIL_FROM", file.mailFrom) ?? "sealdrop@\(host)"
        guard EmailAddress(mailFrom) != nil else { throw ConfigurationError(key: "SEALDROP_MAIL_FROM", problem: "is not an email address") }
        let cert = value("SEALDROP_TLS_CERT", file.tlsCert)
        let key = value("SEALDROP_TLS_KEY", file.tlsKey)
        if (cert == nil) != (key == nil) {
            throw ConfigurationError(key: cert == nil ? "SEALDROP_TLS_CERT" : "SEALDROP_TLS_KEY", problem: "must be set together with the other")
        }
        let levelText = value("SEALDROP_LOG_LEVEL", file.logLevel) ?? "info"
        guard let level = Logger.Level(rawValue: levelText) else {
            throw ConfigurationError(key: "SEALDROP_LOG_LEVEL", problem: "must be one of trace, debug, info, notice, warning, error, critical")
        }
        let formatText = value("SEALDROP_LOG_FORMAT", file.logFormat) ?? "text"
        guard let format = LogFormat(rawValue: formatText) else { throw ConfigurationError(key: "SEALDROP_LOG_FORMAT", problem: "must be text or json") }
        let settings = file.settings ?? SealdropSettings()
        if let problem = settings.validationErrors().first {
            throw ConfigurationError(key: "settings." + problem.split(separator: " ")[0], problem: String(problem.split(separator: " ", maxSplits: 1)[1]))
        }
        let wrap = file.passwordWrap ?? .default
        guard wrap.isValid else { throw ConfigurationError(key: "passwordWrap", problem: "scrypt parameters out of range") }
        guard wrap.isStrongEnoughForConfiguration || file.insecureTestingCosts == true else {
            throw ConfigurationError(key: "passwordWrap", problem: "scrypt cost below logN \(PasswordKeyWrap.Parameters.minimumConfiguredLogN) with r 8 makes stolen transfer keys cheap to guess (\"insecureTestingCosts\": true allows it for tests)")
        }
        let firstRetry = file.outboxFirstRetrySeconds ?? 30
        guard firstRetry >= 0.1, firstRetry <= 3600 else {
            throw ConfigurationError(key: "outboxFirstRetrySeconds", problem: "must be between 0.1 and 3600")
        }
        let maxAge = file.outboxMaxAgeHours ?? 48
        guard maxAge >= 0.01, maxAge <= 24 * 30 else {
            throw ConfigurationError(key: "outboxMaxAgeHours", problem: "must be between 0.01 and 720")
        }
        var configuration = ServerConfiguration(
            dataDirectory: absoluteData, userHTTP: userHTTP, userHTTPS: userHTTPS, adminHTTPS: adminHTTPS, adminHTTP: adminHTTP,
            baseURL: baseURL, databaseURL: databaseURL, smtpURL: smtpURL, mailFrom: mailFrom, tlsCertificatePath: cert, tlsKeyPath: key,
            trustCAPath: trustCA, adminPassword: environment["SEALDROP_ADMIN_PASSWORD"],
            logLevel: level, logFormat: format, settings: settings, passwordWrap: wrap, outboxFirstRetrySeconds: firstRetry
        )
        configuration.outboxMaxAgeHours = maxAge
        configuration.smtpURLPinned = environment["SEALDROP_SMTP_URL"].map { !$0.isEmpty } ?? false || file.smtpURL != nil
        configuration.mailFromPinned = environment["SEALDROP_MAIL_FROM"].map { !$0.isEmpty } ?? false || file.mailFrom != nil
        configuration.baseURLPinned = environment["SEALDROP_BASE_URL"].map { !$0.isEmpty } ?? false || file.baseURL != nil
        configuration.mailCapturedByDefault = !dev && !configuration.smtpURLPinned
        if let configFile, let data = FileManager.default.contents(atPath: configFile),
           let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any], let pinned = object["settings"] as? [String: Any],
           let text = try? JSONSerialization.data(withJSONObject: pinned, options: [.sortedKeys]) {
            configuration.pinnedSettingsJSON = String(decoding: text, as: UTF8.self)
        }
        let cost = file.adminBcryptCost ?? 12
        guard (4...16).contains(cost) else { throw ConfigurationError(key: "adminBcryptCost", problem: "must be between 4 and 16") }
        configuration.adminBcryptCost = cost
        for (key, fileValue, fallback, path) in [("SEALDROP_REQUEST_HEADER_TIMEOUT", file.requestHeaderTimeout, 30.0, \ServerConfiguration.requestHeaderTimeout),
                                                 ("SEALDROP_REQUEST_BODY_TIMEOUT", file.requestBodyTimeout, 60.0, \ServerConfiguration.requestBodyTimeout)] {
            let seconds: Double
            if let text = environment[key] {
                guard let parsed = Double(text) else { throw ConfigurationError(key: key, problem: "must be a number of seconds (0 = no limit)") }
                seconds = parsed
            } else {
                seconds = fileValue ?? fallback
            }
            guard seconds == 0 || (1...3600).contains(seconds) else {
                throw ConfigurationError(key: key, problem: "must be 0 (no limit) or between 1 and 3600 seconds")
            }
            configuration[keyPath: path] = seconds
        }
        return configuration
    }

    /// Parses `host:port`, `[v6]:port` or `off`.
    static func parseListener(_ text: String, key: String) throws -> Listener {
        if text == "off" { return .off }
        var host: Substring
        var portText: Substring
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            host = text[text.index(after: text.startIndex)..<close]
            guard text[close...].hasPrefix("]:") else { throw ConfigurationError(key: key, problem: "must be host:port or off") }
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else { throw ConfigurationError(key: key, problem: "must be host:port or off") }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard !host.isEmpty, let port = Int(portText), (0...65535).contains(port) else {
            throw ConfigurationError(key: key, problem: "must be host:port (port 0–65535) or off")
        }
        return .on(host: String(host), port: port)
    }

    static func derivedBaseURL(https: Listener, http: Listener) -> String {
        func host(_ h: String) -> String { ["0.0.0.0", "::", "*"].contains(h) ? "localhost" : (h.contains(":") ? "[\(h)]" : h) }
        switch (https, http) {
        case (.on(let h, let p), _): return p == 443 ? "https://\(host(h))" : "https://\(host(h)):\(p)"
        case (.off, .on(let h, let p)): return p == 80 ? "http://\(host(h))" : "http://\(host(h)):\(p)"
        case (.off, .off): return "https://localhost"
        }
    }

    /// The SQLite file path of `databaseURL`.
    public var sqlitePath: String { String(databaseURL.dropFirst("sqlite:".count)) }
}

/// Paths and texts derived from the configuration.
extension ServerConfiguration {
    /// `smtpURL` with any password replaced by `***`, for printing.
    public var smtpURLForDisplay: String { SMTPMailTransport.redacted(smtpURL) }

    /// Where the `capture:` transport writes the messages it keeps instead of sending them.
    public var mailCaptureDirectory: String { dataDirectory + "/mail" }

    /// The one-line warning for `mailCapturedByDefault`.
    public var mailCaptureWarning: String { "mail is captured to \(mailCaptureDirectory), not sent: set SEALDROP_SMTP_URL" }

    /// Where an operator puts mail templates that replace the built-in ones, file by file.
    public var mailTemplatesDirectory: String { dataDirectory + "/templates/mail" }

    /// The mail templates: built-in, overridden by the files in `mailTemplatesDirectory`.
    public func loadMailTemplates() throws(ConfigurationError) -> MailTemplates {
        do {
            return try MailTemplates(overrideDirectory: mailTemplatesDirectory)
        } catch {
            throw ConfigurationError(key: "mail templates", problem: error.description)
        }
    }
}
