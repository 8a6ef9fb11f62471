import Foundation
import Logging
import SealdropCore
import SealdropCrypto
import SealdropHTTP
import SealdropServices

/// The one loader of the process configuration: reads the JSON config file once, applies the environment over it
/// (a non-empty variable wins over the file, the file over the default) and validates, producing each module's
/// `Configuration` value. Every problem throws a `ConfigurationError` naming the key; `sealdrop` prints it as one
/// line and exits with status 2. Keys, variables and defaults are the operational contract of `docs/`.
struct ConfigurationLoader {
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
        /// `on` or `off`: whether the log is also kept in `<data dir>/logs`.
        var logFile: String?
        var logFileMaxBytes: Int?
        var logFileCount: Int?
        var settings: SealdropSettings?
        var passwordWrap: PasswordKeyWrap.Parameters?
        var outboxFirstRetrySeconds: Double?
        var outboxMaxAgeHours: Double?
        var archiveFirstRetrySeconds: Double?
        var requestHeaderTimeout: Double?
        var requestBodyTimeout: Double?
        var adminBcryptCost: Int?
        var updateURL: String?
        var updateKeys: String?
        /// Allows `passwordWrap` below the configuration floor: for test and benchmark setups only.
        var insecureTestingCosts: Bool?
    }

    let environment: [String: String]
    let file: File
    /// The file's `settings` object as sorted JSON text, when it has one.
    let fileSettingsJSON: String?
    /// Development defaults (`--dev`).
    let dev: Bool

    /// Reads and decodes `configFile` (when given) once.
    init(environment: [String: String], configFile: String?, dev: Bool) throws {
        self.environment = environment
        self.dev = dev
        guard let configFile else {
            self.file = File()
            self.fileSettingsJSON = nil
            return
        }
        guard let data = FileManager.default.contents(atPath: configFile) else {
            throw ConfigurationError(key: "--config", problem: "cannot read \(configFile)")
        }
        do {
            self.file = try JSONDecoder().decode(File.self, from: data)
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context),
                let DecodingError.dataCorrupted(context) {
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw ConfigurationError(key: path.isEmpty ? configFile : path, problem: "invalid value in \(configFile)")
        } catch {
            throw ConfigurationError(key: configFile, problem: "is not valid JSON")
        }
        if let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any], let pinned = object["settings"] as? [String: Any],
           let text = try? JSONSerialization.data(withJSONObject: pinned, options: [.sortedKeys]) {
            self.fileSettingsJSON = String(decoding: text, as: UTF8.self)
        } else {
            self.fileSettingsJSON = nil
        }
    }

    /// The environment variable `env` when set and not empty, else the file's value.
    func value(_ env: String, _ fromFile: String?) -> String? {
        if let v = environment[env], !v.isEmpty { return v }
        return fromFile
    }

    /// Whether the operator chose the value: a non-empty `env` or the file's member.
    func isSet(_ env: String, _ fromFile: String?) -> Bool {
        environment[env].map { !$0.isEmpty } ?? false || fromFile != nil
    }

    /// Builds every module's configuration; checks run in a fixed order, so the first bad key is the one reported.
    func load() throws -> ServerConfiguration {
        let dataDir = value("SEALDROP_DATA_DIR", file.dataDir) ?? (dev ? "./sealdrop-data" : "/var/lib/sealdrop")
        let data = URL(fileURLWithPath: dataDir).standardizedFileURL.path
        let addresses = try listenerAddresses()
        let baseURL = try self.baseURL(https: addresses.userHTTPS, http: addresses.userHTTP)
        let storage = try self.storage(dataDirectory: data)
        let host = URL(string: baseURL)?.host ?? "localhost"
        let relayURL = try self.relayURL(ehloName: host)
        let mailFrom = value("SEALDROP_MAIL_FROM", file.mailFrom) ?? "sealdrop@\(host)"
        guard EmailAddress(mailFrom) != nil else { throw ConfigurationError(key: "SEALDROP_MAIL_FROM", problem: "is not an email address") }
        let certificate = try self.certificate(dataDirectory: data)
        let logging = try self.logging(dataDirectory: data)
        let settings = file.settings ?? SealdropSettings()
        if let problem = settings.validationErrors().first {
            throw ConfigurationError(key: "settings." + problem.split(separator: " ")[0], problem: String(problem.split(separator: " ", maxSplits: 1)[1]))
        }
        let passwordWrap = try self.passwordWrap()
        let outbox = try self.outbox()
        let configured = ConfiguredSettings(
            relayURL: .init(relayURL, pinned: isSet("SEALDROP_SMTP_URL", file.smtpURL)),
            mailFrom: .init(mailFrom, pinned: isSet("SEALDROP_MAIL_FROM", file.mailFrom)),
            baseURL: .init(baseURL, pinned: isSet("SEALDROP_BASE_URL", file.baseURL)))
        let mail = MailConfiguration(trustCAPath: value("SEALDROP_TRUST_CA", file.trustCA), ehloName: host, captureDirectory: data + "/mail",
                                     templatesDirectory: data + "/templates/mail", capturedByDefault: !dev && !configured.relayURL.pinned)
        let admin = try self.admin()
        let listeners = HTTPSurfaces.Listeners(
            userHTTP: addresses.userHTTP, userHTTPS: addresses.userHTTPS, adminHTTPS: addresses.adminHTTPS, adminHTTP: addresses.adminHTTP,
            requestHeaderTimeout: try timeout("SEALDROP_REQUEST_HEADER_TIMEOUT", file.requestHeaderTimeout, default: 30),
            requestBodyTimeout: try timeout("SEALDROP_REQUEST_BODY_TIMEOUT", file.requestBodyTimeout, default: 60))
        var configuration = ServerConfiguration(storage: storage, listeners: listeners, certificate: certificate, configured: configured, mail: mail,
                                                logging: logging, outbox: outbox, passwordWrap: passwordWrap, admin: admin, settings: settings,
                                                pinnedSettingsJSON: fileSettingsJSON)
        let archiveRetry = file.archiveFirstRetrySeconds ?? 30
        guard archiveRetry >= 0.1, archiveRetry <= 3600 else {
            throw ConfigurationError(key: "archiveFirstRetrySeconds", problem: "must be between 0.1 and 3600")
        }
        configuration.archive.firstRetryDelay = archiveRetry
        configuration.updates = try updates()
        return configuration
    }

    // MARK: - One module each

    /// The four listener addresses: user HTTP 80 (dev 8000), user HTTPS 443 (dev 8443), admin HTTPS 8080, admin HTTP 9090.
    func listenerAddresses() throws -> (userHTTP: ListenerAddress, userHTTPS: ListenerAddress, adminHTTPS: ListenerAddress, adminHTTP: ListenerAddress) {
        let userHTTP = try Self.parseListener(value("SEALDROP_USER_HTTP", file.userHTTP) ?? (dev ? "0.0.0.0:8000" : "0.0.0.0:80"), key: "SEALDROP_USER_HTTP")
        let userHTTPS = try Self.parseListener(value("SEALDROP_USER_HTTPS", file.userHTTPS) ?? (dev ? "0.0.0.0:8443" : "0.0.0.0:443"), key: "SEALDROP_USER_HTTPS")
        let adminHTTPS = try Self.parseListener(value("SEALDROP_ADMIN_HTTPS", file.adminHTTPS) ?? "0.0.0.0:8080", key: "SEALDROP_ADMIN_HTTPS")
        let adminHTTP = try Self.parseListener(value("SEALDROP_ADMIN_HTTP", file.adminHTTP) ?? "0.0.0.0:9090", key: "SEALDROP_ADMIN_HTTP")
        let enabled = [userHTTP, userHTTPS, adminHTTPS, adminHTTP].filter { $0 != .off }
        if Set(enabled.map(\.description)).count != enabled.count {
            throw ConfigurationError(key: "SEALDROP_*_HTTP(S)", problem: "two listeners use the same host:port")
        }
        return (userHTTP, userHTTPS, adminHTTPS, adminHTTP)
    }

    /// `SEALDROP_BASE_URL` without trailing slash, or the one the user listeners give.
    func baseURL(https: ListenerAddress, http: ListenerAddress) throws -> String {
        guard let given = value("SEALDROP_BASE_URL", file.baseURL) else { return Self.derivedBaseURL(https: https, http: http) }
        guard let url = URL(string: given), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
            throw ConfigurationError(key: "SEALDROP_BASE_URL", problem: "must be an absolute http(s) URL")
        }
        return given.hasSuffix("/") ? String(given.dropLast()) : given
    }

    /// The data directory (absolute) and the database URL.
    func storage(dataDirectory: String) throws -> StorageConfiguration {
        let databaseURL = value("SEALDROP_DATABASE_URL", file.databaseURL) ?? "sqlite:\(dataDirectory)/sealdrop.sqlite"
        guard databaseURL.hasPrefix("sqlite:") else {
            throw ConfigurationError(key: "SEALDROP_DATABASE_URL", problem: "only sqlite:PATH is supported in this release")
        }
        return StorageConfiguration(dataDirectory: dataDirectory, databaseURL: databaseURL)
    }

    /// `SEALDROP_SMTP_URL` (default `capture:`), checked with the trust CA it would use.
    func relayURL(ehloName: String) throws -> String {
        let smtpURL = value("SEALDROP_SMTP_URL", file.smtpURL) ?? "capture:"
        let trustCA = value("SEALDROP_TRUST_CA", file.trustCA)
        if let trustCA, !FileManager.default.isReadableFile(atPath: trustCA) {
            throw ConfigurationError(key: "SEALDROP_TRUST_CA", problem: "cannot read \(trustCA)")
        }
        if !smtpURL.hasPrefix("capture:") {
            _ = try SMTPMailTransport.configuration(url: smtpURL, trustCA: trustCA, ehloName: ehloName)
        }
        return smtpURL
    }

    /// `SEALDROP_UPDATE_URL` (an https URL or `off`) and `SEALDROP_UPDATE_KEYS` (base64 of 32-byte keys, comma-separated).
    func updates() throws -> UpdateConfiguration {
        var updates = UpdateConfiguration()
        if let text = value("SEALDROP_UPDATE_URL", file.updateURL) {
            if text.lowercased() == "off" {
                updates.url = nil
            } else {
                guard let url = URL(string: text), url.scheme?.lowercased() == "https", let host = url.host, !host.isEmpty,
                      !text.contains(where: \.isWhitespace) else {
                    throw ConfigurationError(key: "SEALDROP_UPDATE_URL", problem: "must be an absolute https URL or off")
                }
                updates.url = text
            }
        }
        if let keys = value("SEALDROP_UPDATE_KEYS", file.updateKeys) {
            do throws(UpdateKeyError) {
                updates.additionalKeys = try UpdateSignatureVerifier.parseKeys(keys)
            } catch {
                throw ConfigurationError(key: "SEALDROP_UPDATE_KEYS",
                                         problem: "key \(error.index + 1) is not base64 of a raw 32-byte Ed25519 public key")
            }
        }
        return updates
    }

    /// The certificate pair, both or neither.
    func certificate(dataDirectory: String) throws -> CertificateConfiguration {
        let cert = value("SEALDROP_TLS_CERT", file.tlsCert)
        let key = value("SEALDROP_TLS_KEY", file.tlsKey)
        if (cert == nil) != (key == nil) {
            throw ConfigurationError(key: cert == nil ? "SEALDROP_TLS_CERT" : "SEALDROP_TLS_KEY", problem: "must be set together with the other")
        }
        return CertificateConfiguration(certificatePath: cert, keyPath: key, selfSignedDirectory: dataDirectory + "/tls")
    }

    /// Log level and format, and the log file in `<data dir>/logs` unless `SEALDROP_LOG_FILE=off`.
    func logging(dataDirectory: String) throws -> LogConfiguration {
        let levelText = value("SEALDROP_LOG_LEVEL", file.logLevel) ?? "info"
        guard let level = Logger.Level(rawValue: levelText) else {
            throw ConfigurationError(key: "SEALDROP_LOG_LEVEL", problem: "must be one of trace, debug, info, notice, warning, error, critical")
        }
        let formatText = value("SEALDROP_LOG_FORMAT", file.logFormat) ?? "text"
        guard let format = LogConfiguration.Format(rawValue: formatText) else {
            throw ConfigurationError(key: "SEALDROP_LOG_FORMAT", problem: "must be text or json")
        }
        var configuration = LogConfiguration(level: level, format: format)
        let fileText = (value("SEALDROP_LOG_FILE", file.logFile) ?? "on").lowercased()
        guard ["on", "off"].contains(fileText) else { throw ConfigurationError(key: "SEALDROP_LOG_FILE", problem: "must be on or off") }
        if fileText == "on" {
            let maxBytes = try integer("SEALDROP_LOG_FILE_MAX_BYTES", file.logFileMaxBytes, default: 10 * 1024 * 1024, range: 4096...(1 << 40))
            let count = try integer("SEALDROP_LOG_FILE_COUNT", file.logFileCount, default: 10, range: 1...1000)
            configuration.file = SystemLogFiles(directory: dataDirectory + "/logs", maxBytes: maxBytes, rotatedCount: count)
        }
        return configuration
    }

    /// A whole number from the environment (text) or the file, within `range`.
    func integer(_ env: String, _ fromFile: Int?, default fallback: Int, range: ClosedRange<Int>) throws -> Int {
        let number: Int
        if let text = environment[env], !text.isEmpty {
            guard let parsed = Int(text.trimmingCharacters(in: .whitespaces)) else {
                throw ConfigurationError(key: env, problem: "must be a whole number from \(range.lowerBound) to \(range.upperBound)")
            }
            number = parsed
        } else {
            number = fromFile ?? fallback
        }
        guard range.contains(number) else {
            throw ConfigurationError(key: env, problem: "must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    /// The scrypt parameters of transfer key wrapping, at least the configuration floor unless `insecureTestingCosts`.
    func passwordWrap() throws -> PasswordKeyWrap.Parameters {
        let wrap = file.passwordWrap ?? .default
        guard wrap.isValid else { throw ConfigurationError(key: "passwordWrap", problem: "scrypt parameters out of range") }
        guard wrap.isStrongEnoughForConfiguration || file.insecureTestingCosts == true else {
            throw ConfigurationError(key: "passwordWrap", problem: "scrypt cost below logN \(PasswordKeyWrap.Parameters.minimumConfiguredLogN) with r 8 makes stolen transfer keys cheap to guess (\"insecureTestingCosts\": true allows it for tests)")
        }
        return wrap
    }

    /// The outbox's first retry delay (30 s, 0.1–3600) and maximum age (48 h, 0.01–720).
    func outbox() throws -> OutboxService.Configuration {
        let firstRetry = file.outboxFirstRetrySeconds ?? 30
        guard firstRetry >= 0.1, firstRetry <= 3600 else {
            throw ConfigurationError(key: "outboxFirstRetrySeconds", problem: "must be between 0.1 and 3600")
        }
        let maxAge = file.outboxMaxAgeHours ?? 48
        guard maxAge >= 0.01, maxAge <= 24 * 30 else {
            throw ConfigurationError(key: "outboxMaxAgeHours", problem: "must be between 0.01 and 720")
        }
        var outbox = OutboxService.Configuration()
        outbox.firstRetryDelay = firstRetry
        outbox.maxAge = maxAge * 3600
        return outbox
    }

    /// The first administrator's password and the bcrypt cost (12, 4–16).
    func admin() throws -> AdminConfiguration {
        let cost = file.adminBcryptCost ?? 12
        guard (4...16).contains(cost) else { throw ConfigurationError(key: "adminBcryptCost", problem: "must be between 4 and 16") }
        return AdminConfiguration(bootstrapPassword: environment["SEALDROP_ADMIN_PASSWORD"], bcryptCost: cost)
    }

    /// A request timeout in seconds: 0 (no limit) or 1–3600. A set variable is used even when empty (and then fails).
    func timeout(_ key: String, _ fromFile: Double?, default fallback: Double) throws -> Double {
        let seconds: Double
        if let text = environment[key] {
            guard let parsed = Double(text) else { throw ConfigurationError(key: key, problem: "must be a number of seconds (0 = no limit)") }
            seconds = parsed
        } else {
            seconds = fromFile ?? fallback
        }
        guard seconds == 0 || (1...3600).contains(seconds) else {
            throw ConfigurationError(key: key, problem: "must be 0 (no limit) or between 1 and 3600 seconds")
        }
        return seconds
    }

    // MARK: - Parsing

    /// Parses `host:port`, `[v6]:port` or `off`.
    static func parseListener(_ text: String, key: String) throws -> ListenerAddress {
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

    /// The base URL the user listeners give: HTTPS if on, else HTTP; wildcard hosts become `localhost`.
    static func derivedBaseURL(https: ListenerAddress, http: ListenerAddress) -> String {
        func host(_ h: String) -> String { ["0.0.0.0", "::", "*"].contains(h) ? "localhost" : (h.contains(":") ? "[\(h)]" : h) }
        switch (https, http) {
        case (.on(let h, let p), _): return p == 443 ? "https://\(host(h))" : "https://\(host(h)):\(p)"
        case (.off, .on(let h, let p)): return p == 80 ? "http://\(host(h))" : "http://\(host(h)):\(p)"
        case (.off, .off): return "https://localhost"
        }
    }
}
