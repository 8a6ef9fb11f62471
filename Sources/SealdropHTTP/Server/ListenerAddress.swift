/// A listener address, or `off`.
public enum ListenerAddress: Sendable, Equatable, CustomStringConvertible {
    case off
    case on(host: String, port: Int)

    public var description: String {
        switch self {
        case .off: "off"
        case .on(let host, let port): host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        }
    }
}
