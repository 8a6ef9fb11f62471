import NIOCore
import NIOSSL
import NIOTLS

/// Builds the client TLS context and explains TLS failures in words an operator can act on.
enum LDAPTLS {
    /// A context that fully verifies the server: chain to a trusted root and name match.
    static func makeContext(trustRoots: LDAPConfiguration.TrustRoots) throws -> NIOSSLContext {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = .fullVerification
        tls.minimumTLSVersion = .tlsv12
        var extra: [NIOSSLCertificate] = []
        for file in trustRoots.additionalPEMFiles { extra += try NIOSSLCertificate.fromPEMFile(file) }
        for pem in trustRoots.additionalPEMCertificates { extra += try NIOSSLCertificate.fromPEMBytes(Array(pem.utf8)) }
        if trustRoots.useSystemRoots {
            tls.trustRoots = .default
            tls.additionalTrustRoots = extra.isEmpty ? [] : [.certificates(extra)]
        } else {
            tls.trustRoots = .certificates(extra)
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
    static func addClientHandlers(to channel: any Channel, context: NIOSSLContext, host: String) throws -> EventLoopFuture<Void> {
        let promise = channel.eventLoop.makePromise(of: Void.self)
        let sslHandler = try NIOSSLClientHandler(context: context, serverHostname: Self.serverHostname(for: host))
        try channel.pipeline.syncOperations.addHandler(LDAPTLSHandshakeWatcher(promise: promise), position: .first)
        try channel.pipeline.syncOperations.addHandler(sslHandler, position: .first)
        return promise.futureResult
    }

    /// A one-line explanation of a TLS failure (certificate verification, protocol, trust bundle).
    static func explain(_ error: any Error, trustRoots: LDAPConfiguration.TrustRoots) -> String {
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

/// Completes a promise when the TLS handshake finishes or fails; passes everything through.
final class LDAPTLSHandshakeWatcher: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    private var promise: EventLoopPromise<Void>?

    /// Creates a watcher for `promise`.
    init(promise: EventLoopPromise<Void>) { self.promise = promise }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let tlsEvent = event as? TLSUserEvent, case .handshakeCompleted = tlsEvent {
            self.promise?.succeed()
            self.promise = nil
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.promise?.fail(error)
        self.promise = nil
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.promise?.fail(NIOSSLError.uncleanShutdown)
        self.promise = nil
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.promise?.fail(ChannelError.ioOnClosedChannel)
        self.promise = nil
    }
}
