import Foundation

/// One release a signed update manifest announces (`docs/updates.md`).
public struct UpdateRelease: Sendable, Equatable, Codable {
    /// How urgent the release is; the status page and the mail show it.
    public enum Severity: String, Sendable, Codable, CaseIterable {
        case security, fix, feature
    }

    /// A semantic version number, `1.4.0`.
    public var version: String
    public var released: Date
    public var severity: Severity
    /// The release notes, an absolute http(s) URL.
    public var notes: String

    public init(version: String, released: Date, severity: Severity, notes: String) {
        self.version = version
        self.released = released
        self.severity = severity
        self.notes = notes
    }
}
