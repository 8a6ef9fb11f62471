import NIOCore
import NIOSSL

/// Builds the client TLS context and explains TLS failures in words an operator can act on.
enum SMTPTLS {
    /// A context that fully verifies the server: chain to a trusted root and name match.
    static func makeContext(trustRoots: SMTPConfiguration.TrustRoots) throws -> NIOSSLContext {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = .fullVerification
        tls.minimumTLSVersion = .tlsv12
        if trustRoots.useSystemRoots {
            tls.trustRoots = .default
            tls.additionalTrustRoots = trustRoots.additionalPEMFiles.map { .file($0) }
        } else {
            tls.trustRoots = .file(trustRoots.additionalPEMFiles.first ?? "")
            tls.additionalTrustRoots = trustRoots.additionalPEMFiles.dropFirst().map { .file($0) }
        }
        return try NIOSSLContext(configuration: tls)
    }

    /// The SNI name for `host`: `nil` for IP literals, which SNI forbids (RFC 6066 §3).
    ///
    /// NIOSSL then verifies the certificate against the peer's IP address instead.
    static func serverHostname(for host: String) -> String? {
        if (try? SocketAddress(ipAddress: host, port: 0)) != nil { return nil }
        return host
    }

    /// Adds the TLS handler and a handshake watcher at the front of the pipeline.
    ///
    /// Must run on the channel's event loop. The future completes when the handshake is done.
    static func addClientHandlers(
        to channel: any Channel,
        context: NIOSSLContext,
        host: String
    ) throws -> EventLoopFuture<Void> {
        let promise = channel.eventLoop.makePromise(of: Void.self)
        let sslHandler = try NIOSSLClientHandler(context: context, serverHostname: Self.serverHostname(for: host))
        let watcher = TLSHandshakeWatcher(promise: promise)
        try channel.pipeline.syncOperations.addHandler(watcher, position: .first)
        try channel.pipeline.syncOperations.addHandler(sslHandler, position: .first)
        return promise.futureResult
    }

    /// A one-line explanation of a TLS failure (certificate verification, protocol, trust bundle).
    ///
    /// The full BoringSSL error stack stays in ``SMTPError/underlying`` (debug description only).
    static func explain(_ error: any Error, trustRoots: SMTPConfiguration.TrustRoots) -> String {
        let detail = String(describing: error)
        let reason = Self.boringSSLReason(in: detail)
        if reason == "CERTIFICATE_VERIFY_FAILED" {
            return "certificate verification failed (CERTIFICATE_VERIFY_FAILED): the server certificate does not chain"
                + " to a trusted root, has expired, or does not name the host"
        }
        if let sslError = error as? NIOSSLError {
            switch sslError {
            case .failedToLoadCertificate, .noSuchFilesystemObject:
                let files = trustRoots.additionalPEMFiles.joined(separator: ", ")
                return "could not load the trust bundle \(files.isEmpty ? "(system roots)" : files)"
            case .handshakeFailed:
                return "TLS handshake failed (\(reason ?? detail))"
            case .uncleanShutdown:
                return "the server closed the connection during the TLS handshake"
            default:
                return "TLS error (\(reason ?? detail))"
            }
        }
        return "TLS handshake failed (\(reason ?? detail))"
    }

    /// The BoringSSL reason token (`CERTIFICATE_VERIFY_FAILED`, `WRONG_VERSION_NUMBER`, …) in an error text.
    static func boringSSLReason(in text: String) -> String? {
        guard let marker = text.firstRange(of: "OPENSSL_internal:") else { return nil }
        let reason = text[marker.upperBound...].prefix { $0.isLetter || $0.isNumber || $0 == "_" }
        return reason.isEmpty ? nil : String(reason)
    }
}
