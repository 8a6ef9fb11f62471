/// A semantic version number (`MAJOR.MINOR.PATCH`, optional `-pre.release`), compared as SemVer 2.0.0 §11 says:
/// numerically part by part, a pre-release below its release. Build metadata (`+…`) is not accepted.
public struct SemanticVersion: Sendable, Equatable, Comparable, CustomStringConvertible {
    public let major: Int, minor: Int, patch: Int
    /// Dot-separated pre-release identifiers; empty for a release.
    public let preRelease: [String]

    /// Nil unless `text` is a SemVer version without build metadata (no leading zeros, no `v` prefix).
    public init?(_ text: String) {
        guard text.utf8.count <= 64 else { return nil }
        let dash = text.firstIndex(of: "-")
        let core = text[..<(dash ?? text.endIndex)]
        let numbers = core.split(separator: ".", omittingEmptySubsequences: false)
        guard numbers.count == 3, numbers.allSatisfy(Self.isNumber) else { return nil }
        guard let major = Int(numbers[0]), let minor = Int(numbers[1]), let patch = Int(numbers[2]) else { return nil }
        var pre: [String] = []
        if let dash {
            let identifiers = text[text.index(after: dash)...].split(separator: ".", omittingEmptySubsequences: false)
            for identifier in identifiers {
                guard !identifier.isEmpty, identifier.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else { return nil }
                if identifier.allSatisfy(\.isNumber), !Self.isNumber(identifier) { return nil }
                pre.append(String(identifier))
            }
        }
        (self.major, self.minor, self.patch, self.preRelease) = (major, minor, patch, pre)
    }

    /// Digits without a leading zero (except `0` itself), at most 9 of them.
    private static func isNumber(_ part: Substring) -> Bool {
        !part.isEmpty && part.count <= 9 && part.allSatisfy { $0.isASCII && $0.isNumber } && (part == "0" || part.first != "0")
    }

    public var description: String {
        "\(major).\(minor).\(patch)" + (preRelease.isEmpty ? "" : "-" + preRelease.joined(separator: "."))
    }

    public static func < (a: SemanticVersion, b: SemanticVersion) -> Bool {
        if (a.major, a.minor, a.patch) != (b.major, b.minor, b.patch) { return (a.major, a.minor, a.patch) < (b.major, b.minor, b.patch) }
        // A release ranks above its pre-releases; pre-releases compare identifier by identifier.
        switch (a.preRelease.isEmpty, b.preRelease.isEmpty) {
        case (true, true), (true, false): return false
        case (false, true): return true
        case (false, false): break
        }
        for (x, y) in zip(a.preRelease, b.preRelease) where x != y {
            switch (Int(x), Int(y)) {
            case let (m?, n?): return m < n
            case (_?, nil): return true
            case (nil, _?): return false
            case (nil, nil): return x < y
            }
        }
        return a.preRelease.count < b.preRelease.count
    }
}
