import Foundation

/// Why an update check was refused or failed; its description is the sentence the status page shows after
/// "last check failed:" (never a secret: URLs here come from the operator's configuration or the server's redirect).
public enum UpdateCheckError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No connection to `host:port` (refused, timed out, DNS, TLS): `detail` says which.
    case unreachable(endpoint: String, detail: String)
    /// The server answered something other than 200.
    case httpStatus(Int, url: String)
    /// A redirect to another scheme, host or port.
    case redirectToOtherHost(location: String)
    /// More than the allowed same-host redirects.
    case tooManyRedirects(Int)
    /// A body over the limit (1 MB).
    case tooLarge(limit: Int)
    /// The `.sig` file is not there (404).
    case signatureMissing
    /// The signature does not verify with any trusted key, or is not base64 of 64 bytes.
    case badSignature(String)
    /// The manifest is not the documented JSON.
    case malformed(String)
    /// The manifest was issued before the last one accepted: a replay or a downgrade.
    case replayed(issuedAt: Date, lastAccepted: Date)

    public var description: String {
        switch self {
        case .unreachable(let endpoint, let detail): "cannot reach the update server \(endpoint) (\(detail))"
        case .httpStatus(let status, let url): "the update server answered HTTP \(status) for \(url)"
        case .redirectToOtherHost(let location): "refused a redirect to another host (\(location))"
        case .tooManyRedirects(let count): "more than \(count) redirects"
        case .tooLarge: "the manifest is over 1 MB"
        case .signatureMissing: "signature missing (no .sig file beside the manifest)"
        case .badSignature(let detail): "bad signature: \(detail)"
        case .malformed(let detail): "malformed manifest: \(detail)"
        case .replayed(let issued, let last):
            "manifest issued at \(UpdateCheckError.format(issued)) is older than the one accepted before (\(UpdateCheckError.format(last))): replay or downgrade refused"
        }
    }

    /// RFC 3339 UTC, seconds precision.
    static func format(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}
