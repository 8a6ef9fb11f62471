import Foundation
import SealdropCore

/// The update state as the status page and `GET /admin/api/status` show it.
public struct UpdateStatus: Sendable, Equatable {
    /// Which of the status lines applies.
    public enum Kind: String, Sendable {
        case off
        case notChecked = "not-checked"
        case upToDate = "up-to-date"
        case available
        case failed
    }

    public var kind: Kind
    /// The one line: "up to date (1.3.0)", "version 1.4.0 available (security)", "last check failed: …, at …".
    public var text: String
    /// The newest release above the running version that the last accepted manifest offered (also while failing).
    public var available: UpdateRelease?
    public var failure: UpdateCheckState.Failure?
    public var lastCheckedAt: Date?

    public init(kind: Kind, text: String, available: UpdateRelease? = nil, failure: UpdateCheckState.Failure? = nil, lastCheckedAt: Date? = nil) {
        self.kind = kind
        self.text = text
        self.available = available
        self.failure = failure
        self.lastCheckedAt = lastCheckedAt
    }

    /// No check has run (or no update check is wired in).
    public static let notChecked = UpdateStatus(kind: .notChecked, text: "not checked yet")
    /// `SEALDROP_UPDATE_URL=off`.
    public static let off = UpdateStatus(kind: .off, text: "update check is off")

    /// The status of `state` for a server running `running`: a stored release the server has since reached no
    /// longer counts as available.
    public init(state: UpdateCheckState, running: SemanticVersion?) {
        let available = state.available.flatMap { release -> UpdateRelease? in
            guard let running, let version = SemanticVersion(release.version) else { return release }
            return version > running ? release : nil
        }
        let runningText = running.map(\.description) ?? "unknown version"
        if let failure = state.failure {
            self.init(kind: .failed, text: "last check failed: \(failure.reason), at \(Self.timestamp(failure.at))",
                      available: available, failure: failure, lastCheckedAt: state.lastCheckedAt)
        } else if let available {
            self.init(kind: .available, text: "version \(available.version) available (\(available.severity.rawValue))",
                      available: available, lastCheckedAt: state.lastCheckedAt)
        } else if state.lastAcceptedAt != nil {
            self.init(kind: .upToDate, text: "up to date (\(runningText))", lastCheckedAt: state.lastCheckedAt)
        } else {
            self = .notChecked
        }
    }

    /// `2026-12-07 04:17:00 UTC`.
    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate, .withTime, .withColonSeparatorInTime, .withSpaceBetweenDateAndTime]
        return formatter.string(from: date) + " UTC"
    }
}

/// Where the admin surface reads the update state.
public protocol UpdateStatusSource: Sendable {
    func updateStatus() async -> UpdateStatus
}
