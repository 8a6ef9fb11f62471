import Foundation
import SealdropCore

/// The signed release manifest (`docs/updates.md`):
/// `{"issuedAt": RFC 3339, "versions": [{"version", "released", "severity", "notes"}]}`.
///
/// Decoding is strict: anything but that shape is `UpdateCheckError.malformed`, naming the member. Members not
/// listed are ignored, so a later manifest may add some.
public struct UpdateManifest: Sendable, Equatable {
    public var issuedAt: Date
    public var versions: [UpdateRelease]

    public init(issuedAt: Date, versions: [UpdateRelease]) {
        self.issuedAt = issuedAt
        self.versions = versions
    }

    /// Decodes the manifest's bytes.
    public init(bytes: [UInt8]) throws(UpdateCheckError) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)), let root = object as? [String: Any] else {
            throw .malformed("not a JSON object")
        }
        guard let issuedText = root["issuedAt"] as? String, let issuedAt = Self.date(issuedText) else {
            throw .malformed("issuedAt is not an RFC 3339 time")
        }
        guard let list = root["versions"] as? [Any] else { throw .malformed("versions is not an array") }
        var versions: [UpdateRelease] = []
        for (index, item) in list.enumerated() {
            guard let entry = item as? [String: Any] else { throw .malformed("versions[\(index)] is not an object") }
            guard let version = entry["version"] as? String, SemanticVersion(version) != nil else {
                throw .malformed("versions[\(index)].version is not a semantic version number")
            }
            guard let releasedText = entry["released"] as? String, let released = Self.date(releasedText) else {
                throw .malformed("versions[\(index)].released is not an RFC 3339 time")
            }
            guard let severityText = entry["severity"] as? String, let severity = UpdateRelease.Severity(rawValue: severityText) else {
                throw .malformed("versions[\(index)].severity is not security, fix or feature")
            }
            guard let notes = entry["notes"] as? String, Self.isWebURL(notes) else {
                throw .malformed("versions[\(index)].notes is not an http(s) URL")
            }
            versions.append(UpdateRelease(version: version, released: released, severity: severity, notes: notes))
        }
        self.init(issuedAt: issuedAt, versions: versions)
    }

    /// The highest release above `running`; nil when none is newer.
    public func newest(above running: SemanticVersion) -> UpdateRelease? {
        versions.compactMap { release in SemanticVersion(release.version).map { ($0, release) } }
            .filter { $0.0 > running }
            .max { $0.0 < $1.0 }?.1
    }

    /// An RFC 3339 date-time (`2026-12-01T10:00:00Z`, an offset, optional fractional seconds).
    static func date(_ text: String) -> Date? {
        guard text.utf8.count <= 40 else { return nil }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }

    /// An absolute http or https URL with a host and no spaces, at most 2,000 bytes: safe as a link on the status page.
    static func isWebURL(_ text: String) -> Bool {
        guard text.utf8.count <= 2000, !text.contains(where: { $0.isWhitespace || !$0.isASCII }),
              let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
              let host = url.host, !host.isEmpty else { return false }
        return true
    }
}
