import Foundation

/// Which foreign origins may call the API from a browser.
public struct CORSSettings: Codable, Sendable, Equatable {
    /// Off, a list of origins, or every origin.
    public enum Mode: String, Codable, Sendable { case off, list, all }
    public var mode: Mode = .off
    public var origins: [String] = []

    public init(mode: Mode = .off, origins: [String] = []) {
        self.mode = mode
        self.origins = origins
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        mode = try c.decodeIfPresent(Mode.self, forKey: .mode) ?? .off
        origins = try c.decodeIfPresent([String].self, forKey: .origins) ?? []
    }

    /// Whether a browser origin (scheme://host[:port]) may call the API.
    public func allows(origin: String) -> Bool {
        switch mode {
        case .off: false
        case .all: true
        case .list: origins.contains { $0.caseInsensitiveCompare(origin) == .orderedSame }
        }
    }
}
