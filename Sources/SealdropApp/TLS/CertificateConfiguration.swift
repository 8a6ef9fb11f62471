/// The certificate of the HTTPS listeners.
public struct CertificateConfiguration: Sendable, Equatable {
    /// `SEALDROP_TLS_CERT` / `tlsCert`: PEM certificate chain. Default none: a self-signed certificate is generated
    /// once into `selfSignedDirectory`. Set together with `keyPath`.
    public var certificatePath: String?
    /// `SEALDROP_TLS_KEY` / `tlsKey`: PEM private key of `certificatePath`.
    public var keyPath: String?
    /// Where the self-signed certificate and key are kept: `<data dir>/tls`.
    public var selfSignedDirectory: String

    public init(certificatePath: String?, keyPath: String?, selfSignedDirectory: String) {
        self.certificatePath = certificatePath
        self.keyPath = keyPath
        self.selfSignedDirectory = selfSignedDirectory
    }
}
