import SealdropCore

/// Answers whether an address belongs to a directory selection of a policy rule; the directory adapter
/// implements it (with its cache), tests fake it. Throws when the directory cannot answer: the policy then
/// treats the side as not matching (fail closed) and says so.
public protocol DirectoryMembership: Sendable {
    func matches(_ address: EmailAddress, _ selection: DirectorySelection) async throws -> Bool
}

/// No directory configured: a directory selection never matches, and says why.
public struct NoDirectory: DirectoryMembership {
    public init() {}

    /// Why a directory selection cannot be answered.
    public struct NotConfigured: Error, CustomStringConvertible {
        public var description: String { "no directory is configured" }
    }

    public func matches(_ address: EmailAddress, _ selection: DirectorySelection) async throws -> Bool {
        throw NotConfigured()
    }
}
