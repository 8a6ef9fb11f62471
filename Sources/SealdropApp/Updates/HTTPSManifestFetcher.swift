import AsyncHTTPClient
import Foundation
import NIOCore
import NIOSSL
import SealdropServices

/// `UpdateManifestFetcher` over async-http-client: TLS verified against the system roots plus `SEALDROP_TRUST_CA`,
/// AHC's own redirect following off (same-host redirects are followed here), the body streamed and cut at 1 MB,
/// deadlines on connect and on the whole request. One client per fetch, shut down before it returns: the check
/// runs once a day, so nothing is kept open between checks.
struct HTTPSManifestFetcher: UpdateManifestFetcher {
    /// The PEM file of `SEALDROP_TRUST_CA`, trusted beside the system roots.
    let trustCAPath: String?
    /// Connect deadline and whole-request deadline.
    var connectTimeout: TimeAmount = .seconds(30)
    var requestTimeout: TimeAmount = .seconds(30)

    func fetch(_ url: String) async throws -> UpdateFetchResponse {
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: try configuration())
        do {
            let response = try await fetch(url, client: client)
            try await client.shutdown()
            return response
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    /// The client's configuration: full verification, no redirects, no connection retries (a refused connection
    /// is reported at once instead of retried until the deadline).
    func configuration() throws -> HTTPClient.Configuration {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = .fullVerification
        tls.minimumTLSVersion = .tlsv12
        tls.trustRoots = .default
        if let trustCAPath { tls.additionalTrustRoots = [.file(trustCAPath)] }
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls, redirectConfiguration: .disallow,
                                                     timeout: .init(connect: connectTimeout, read: requestTimeout))
        configuration.connectionPool.retryConnectionEstablishment = false
        return configuration
    }

    /// GETs `url`, following at most `maximumRedirects` redirects that stay on the same scheme, host and port.
    func fetch(_ url: String, client: HTTPClient) async throws -> UpdateFetchResponse {
        guard var current = URL(string: url), current.scheme?.lowercased() == "https", current.host != nil else {
            throw UpdateCheckError.malformed("the update URL \(url) is not an https URL")
        }
        let origin = Self.origin(current)
        var redirects = 0
        while true {
            let deadline = NIODeadline.now() + requestTimeout
            let response: HTTPClientResponse
            do {
                response = try await client.execute(HTTPClientRequest(url: current.absoluteString), deadline: deadline)
            } catch {
                throw Self.unreachable(current, error)
            }
            let status = Int(response.status.code)
            if [301, 302, 303, 307, 308].contains(status), let location = response.headers.first(name: "location") {
                guard let next = URL(string: location, relativeTo: current)?.absoluteURL else {
                    throw UpdateCheckError.redirectToOtherHost(location: String(location.prefix(200)))
                }
                guard Self.origin(next) == origin else { throw UpdateCheckError.redirectToOtherHost(location: String(next.absoluteString.prefix(200))) }
                redirects += 1
                guard redirects <= UpdateFetchLimits.maximumRedirects else { throw UpdateCheckError.tooManyRedirects(UpdateFetchLimits.maximumRedirects) }
                current = next
                continue
            }
            return UpdateFetchResponse(status: status, body: try await Self.body(response, from: current))
        }
    }

    /// The body, refused as soon as it is known to pass the limit (by its Content-Length or while streaming).
    static func body(_ response: HTTPClientResponse, from url: URL) async throws -> [UInt8] {
        let limit = UpdateFetchLimits.maximumBodyBytes
        if let length = response.headers.first(name: "content-length").flatMap(Int.init), length > limit {
            throw UpdateCheckError.tooLarge(limit: limit)
        }
        var bytes: [UInt8] = []
        do {
            for try await chunk in response.body {
                guard bytes.count + chunk.readableBytes <= limit else { throw UpdateCheckError.tooLarge(limit: limit) }
                bytes += chunk.readableBytesView
            }
        } catch let error as UpdateCheckError {
            throw error
        } catch {
            throw unreachable(url, error)
        }
        return bytes
    }

    /// Scheme, host and port (default 443): a redirect must keep all three.
    static func origin(_ url: URL) -> String {
        let scheme = url.scheme?.lowercased() ?? ""
        return "\(scheme)://\(url.host?.lowercased() ?? ""):\(url.port ?? (scheme == "https" ? 443 : 80))"
    }

    /// `host:port` of `url`.
    static func endpoint(_ url: URL) -> String {
        "\(url.host ?? "?"):\(url.port ?? 443)"
    }

    /// A transport failure in words: which of refused, timed out, TLS, name resolution. Never the error's own text
    /// beyond a BoringSSL reason code, so no URL query or header can leak into the status page.
    static func unreachable(_ url: URL, _ error: any Error) -> UpdateCheckError {
        let described = String(describing: error)
        let detail: String
        if described.contains("CERTIFICATE_VERIFY_FAILED") {
            detail = "TLS certificate verification failed: the certificate does not chain to the system roots or SEALDROP_TRUST_CA, has expired, or does not name the host"
        } else if error is NIOSSLError || described.contains("SSL") {
            detail = "TLS handshake failed"
        } else if let error = error as? HTTPClientError, [.connectTimeout, .deadlineExceeded, .readTimeout].contains(error) {
            detail = "timed out"
        } else if described.localizedCaseInsensitiveContains("refused") {
            detail = "connection refused"
        } else if described.localizedCaseInsensitiveContains("resolve") || described.localizedCaseInsensitiveContains("lookup") {
            detail = "the host name does not resolve"
        } else if error is HTTPClientError {
            detail = "the connection failed (\(String(describing: error).prefix(80)))"
        } else {
            detail = "the connection failed (\(type(of: error)))"
        }
        return .unreachable(endpoint: endpoint(url), detail: detail)
    }
}
