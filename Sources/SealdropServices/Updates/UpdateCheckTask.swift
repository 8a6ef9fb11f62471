import Foundation
import Logging
import SealdropCore

/// The `update-check` task: fetches the signed release manifest, verifies it, remembers the result for the status
/// page and mails the administrators once per new version. It never installs anything (`docs/updates.md`).
public struct UpdateCheckTask: ScheduledTask, UpdateStatusSource {
    /// Where the manifest is and what runs here.
    public struct Configuration: Sendable {
        /// The manifest's https URL; nil: the check is off (`SEALDROP_UPDATE_URL=off`).
        public var url: String?
        /// The running version (`SealdropVersion.current`).
        public var runningVersion: String

        public init(url: String?, runningVersion: String) {
            self.url = url
            self.runningVersion = runningVersion
        }
    }

    public let name = TaskName.updateCheck
    let configuration: Configuration
    let fetcher: any UpdateManifestFetcher
    let verifier: UpdateSignatureVerifier
    let repository: any UpdateCheckRepository
    let notifications: Notifications
    /// The addresses update mails go to, read at each announcement.
    let administratorAddresses: @Sendable () async throws -> [String]
    let now: @Sendable () -> Date
    let logger: Logger

    public init(configuration: Configuration, fetcher: any UpdateManifestFetcher, verifier: UpdateSignatureVerifier,
                repository: any UpdateCheckRepository, notifications: Notifications,
                administratorAddresses: @escaping @Sendable () async throws -> [String],
                now: @escaping @Sendable () -> Date = Date.init, logger: Logger) {
        self.configuration = configuration
        self.fetcher = fetcher
        self.verifier = verifier
        self.repository = repository
        self.notifications = notifications
        self.administratorAddresses = administratorAddresses
        self.now = now
        self.logger = logger
    }

    /// The running version as a semantic version (nil only for a malformed build version).
    var running: SemanticVersion? { SemanticVersion(configuration.runningVersion) }

    /// One check: "up to date (1.3.0)" or "version 1.4.0 available (security)…"; a refused manifest or an
    /// unreachable server throws `UpdateCheckError` after recording it for the status page.
    public func runOnce() async throws -> String {
        guard let url = configuration.url else { return "update check is off" }
        var state = try await repository.updateCheckState()
        let started = now()
        let accepted: UpdateManifest
        do {
            accepted = try await fetchAndVerify(url, lastAccepted: state.lastAcceptedIssuedAt)
        } catch let error as UpdateCheckError {
            state.lastCheckedAt = started
            state.failure = .init(reason: error.description, at: started)
            try await repository.saveUpdateCheckState(state)
            logger.warning("update.check.refused", metadata: ["update.reason": "\(error.description)"])
            throw error
        }
        let newest = running.map { accepted.newest(above: $0) } ?? nil
        state = UpdateCheckState(lastAcceptedIssuedAt: max(state.lastAcceptedIssuedAt ?? accepted.issuedAt, accepted.issuedAt),
                                 lastCheckedAt: started, lastAcceptedAt: started, available: newest, failure: nil)
        try await repository.saveUpdateCheckState(state)
        guard let newest else { return "up to date (\(configuration.runningVersion))" }
        logger.notice("update.available", metadata: ["update.version": "\(newest.version)", "update.severity": "\(newest.severity.rawValue)"])
        let mailed = try await announce(newest, at: started)
        return "version \(newest.version) available (\(newest.severity.rawValue))" + mailed
    }

    /// The manifest at `url`, its signature verified and not older than `lastAccepted`.
    func fetchAndVerify(_ url: String, lastAccepted: Date?) async throws -> UpdateManifest {
        let manifest = try await fetcher.fetch(url)
        guard manifest.status == 200 else { throw UpdateCheckError.httpStatus(manifest.status, url: url) }
        let signature = try await fetcher.fetch(url + ".sig")
        if signature.status == 404 { throw UpdateCheckError.signatureMissing }
        guard signature.status == 200 else { throw UpdateCheckError.httpStatus(signature.status, url: url + ".sig") }
        // The signature covers the exact bytes: checked before the JSON is even parsed.
        try verifier.verify(manifest: manifest.body, signatureFile: signature.body)
        let parsed = try UpdateManifest(bytes: manifest.body)
        if let lastAccepted, parsed.issuedAt < lastAccepted {
            throw UpdateCheckError.replayed(issuedAt: parsed.issuedAt, lastAccepted: lastAccepted)
        }
        return parsed
    }

    /// Mails `release` to each administrator unless it was mailed before; the summary's tail.
    func announce(_ release: UpdateRelease, at date: Date) async throws -> String {
        var seen: Set<String> = []
        let addresses = try await administratorAddresses().filter { seen.insert($0.lowercased()).inserted }
        guard !addresses.isEmpty else { return "; no administrator has a mail address" }
        let messages = addresses.map {
            notifications.updateAvailable(release, running: configuration.runningVersion, to: $0, now: date)
        }
        guard try await repository.announceUpdate(version: release.version, at: date, messages: messages) else { return "" }
        logger.notice("update.announced", metadata: ["update.version": "\(release.version)", "update.recipients": "\(addresses.count)"])
        return "; mailed to \(addresses.count) administrator\(addresses.count == 1 ? "" : "s")"
    }

    public func updateStatus() async -> UpdateStatus {
        guard configuration.url != nil else { return .off }
        guard let state = try? await repository.updateCheckState() else {
            return UpdateStatus(kind: .notChecked, text: "update state unavailable (database error)")
        }
        return UpdateStatus(state: state, running: running)
    }
}
