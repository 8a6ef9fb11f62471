import Foundation
import SealdropCore

/// What the admin surface may learn about the directory: its health for the status page and a step-by-step
/// connection check. The directory adapter implements it beside `DirectoryMembership`.
public protocol DirectoryDiagnostics: Sendable {
    /// Whether the directory is switched on, and its last failure and success.
    var health: DirectoryHealth { get }
    /// Connects with `settings` (saved or not) and reports each step in the server's words; with `testAddress`,
    /// also looks that user up.
    func check(_ settings: DirectorySettings, testAddress: String?) async -> [DirectoryCheckStep]
}

/// One step of a directory connection check: `connect`, `tls`, `bind` or `search`.
public struct DirectoryCheckStep: Codable, Sendable, Equatable {
    public var step: String
    public var ok: Bool
    public var detail: String

    public init(step: String, ok: Bool, detail: String) {
        self.step = step
        self.ok = ok
        self.detail = detail
    }
}

/// The directory's state as the status page shows it.
public struct DirectoryHealth: Sendable, Equatable {
    /// The last request the directory could not answer: when, and why (naming `host:port`).
    public struct Failure: Sendable, Equatable {
        public var at: Date
        public var message: String

        public init(at: Date, message: String) {
            self.at = at
            self.message = message
        }
    }

    public var enabled: Bool
    public var lastFailure: Failure?
    public var lastSuccessAt: Date?

    public init(enabled: Bool, lastFailure: Failure? = nil, lastSuccessAt: Date? = nil) {
        self.enabled = enabled
        self.lastFailure = lastFailure
        self.lastSuccessAt = lastSuccessAt
    }

    /// Enabled, and the last request failed (no success since the last failure).
    public var isFailing: Bool {
        guard enabled, let failure = lastFailure else { return false }
        return lastSuccessAt.map { $0 < failure.at } ?? true
    }
}

/// No directory adapter: never enabled, and a check says so.
public struct NoDirectoryDiagnostics: DirectoryDiagnostics {
    public init() {}

    public var health: DirectoryHealth { DirectoryHealth(enabled: false) }

    public func check(_ settings: DirectorySettings, testAddress: String?) async -> [DirectoryCheckStep] {
        [DirectoryCheckStep(step: "connect", ok: false, detail: "this server has no directory adapter")]
    }
}
