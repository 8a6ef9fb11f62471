/// How a command ended and what it printed (each stream kept up to ``SSHExecResult/outputLimit`` bytes).
public struct SSHExecResult: Sendable, Hashable {
    /// Bytes kept per stream; the rest is read and dropped.
    public static let outputLimit = 64 * 1024

    /// The exit status, when the server sent one (it does not when the command was killed by a signal).
    public var exitStatus: Int?
    /// The signal that killed the command (`TERM`, `KILL`, …), when one did.
    public var exitSignal: String?
    /// Standard output, up to the limit.
    public var standardOutput: [UInt8]
    /// Standard error, up to the limit.
    public var standardError: [UInt8]
    /// Whether standard output was longer than the limit.
    public var standardOutputTruncated: Bool
    /// Whether standard error was longer than the limit.
    public var standardErrorTruncated: Bool

    /// Creates a result.
    public init(
        exitStatus: Int?, exitSignal: String? = nil, standardOutput: [UInt8] = [], standardError: [UInt8] = [],
        standardOutputTruncated: Bool = false, standardErrorTruncated: Bool = false
    ) {
        self.exitStatus = exitStatus
        self.exitSignal = exitSignal
        self.standardOutput = standardOutput
        self.standardError = standardError
        self.standardOutputTruncated = standardOutputTruncated
        self.standardErrorTruncated = standardErrorTruncated
    }

    /// Whether the command exited with status 0.
    public var succeeded: Bool { self.exitStatus == 0 }

    /// Standard output as UTF-8 text (invalid bytes replaced).
    public var standardOutputText: String { String(decoding: self.standardOutput, as: UTF8.self) }

    /// Standard error as UTF-8 text (invalid bytes replaced).
    public var standardErrorText: String { String(decoding: self.standardError, as: UTF8.self) }
}
