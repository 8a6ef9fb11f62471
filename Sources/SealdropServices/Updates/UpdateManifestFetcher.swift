/// A document the update server answered: its HTTP status and body.
public struct UpdateFetchResponse: Sendable, Equatable {
    public var status: Int
    public var body: [UInt8]

    public init(status: Int, body: [UInt8]) {
        self.status = status
        self.body = body
    }
}

/// Fetches the manifest and its `.sig` over verified HTTPS (the App's adapter uses async-http-client).
///
/// Contract: redirects are followed only to the same scheme, host and port (at most `maximumRedirects`), else
/// `UpdateCheckError.redirectToOtherHost`; a body over `maximumBodyBytes` is `tooLarge` (the adapter stops reading
/// there); no connection is `unreachable` naming `host:port`. Any status is returned, the caller judges it.
public protocol UpdateManifestFetcher: Sendable {
    func fetch(_ url: String) async throws -> UpdateFetchResponse
}

/// The limits every fetcher keeps.
public enum UpdateFetchLimits {
    /// 1 MB: a manifest is a few kilobytes; anything bigger is refused before it is parsed.
    public static let maximumBodyBytes = 1_048_576
    /// Same-host redirects followed before giving up.
    public static let maximumRedirects = 3
}
