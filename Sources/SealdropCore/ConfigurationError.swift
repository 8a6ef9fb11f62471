/// A configuration problem; printed as one line naming the key.
public struct ConfigurationError: Error, CustomStringConvertible {
    public var key: String
    public var problem: String

    public init(key: String, problem: String) {
        self.key = key
        self.problem = problem
    }

    public var description: String { "configuration error: \(key): \(problem)" }
}
