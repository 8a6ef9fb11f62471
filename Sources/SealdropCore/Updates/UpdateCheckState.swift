import Foundation

/// What the update check remembers between runs (and restarts): the replay guard, the newest release the last
/// accepted manifest offered, and the last failure.
public struct UpdateCheckState: Sendable, Equatable {
    /// A check that was refused or could not reach the server: why, and when.
    public struct Failure: Sendable, Equatable {
        public var reason: String
        public var at: Date

        public init(reason: String, at: Date) {
            self.reason = reason
            self.at = at
        }
    }

    /// `issuedAt` of the newest manifest accepted; a manifest issued earlier is a replay and refused.
    public var lastAcceptedIssuedAt: Date?
    /// When a check last ran, whatever its outcome.
    public var lastCheckedAt: Date?
    /// When a manifest was last accepted.
    public var lastAcceptedAt: Date?
    /// The highest release newer than the running version in the last accepted manifest; nil: none was newer.
    public var available: UpdateRelease?
    /// The last check's failure; cleared by the next accepted manifest.
    public var failure: Failure?

    public init(lastAcceptedIssuedAt: Date? = nil, lastCheckedAt: Date? = nil, lastAcceptedAt: Date? = nil,
                available: UpdateRelease? = nil, failure: Failure? = nil) {
        self.lastAcceptedIssuedAt = lastAcceptedIssuedAt
        self.lastCheckedAt = lastCheckedAt
        self.lastAcceptedAt = lastAcceptedAt
        self.available = available
        self.failure = failure
    }
}

/// Where the update check keeps its state and which versions were already announced to the administrators.
public protocol UpdateCheckRepository: Sendable {
    /// The stored state; empty before the first check.
    func updateCheckState() async throws -> UpdateCheckState
    /// Replaces the stored state.
    func saveUpdateCheckState(_ state: UpdateCheckState) async throws
    /// Records that `version` was announced and queues `messages`, in one transaction; false (nothing queued)
    /// when `version` was announced before, so no version is ever mailed twice.
    func announceUpdate(version: String, at date: Date, messages: [OutboxMessage]) async throws -> Bool
    /// The versions announced so far.
    func announcedUpdateVersions() async throws -> [String]
}
