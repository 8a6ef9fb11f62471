import Crypto
import Foundation
import NIOSSL
import SealdropCore
import SwiftASN1
import X509

/// The TLS configuration of the HTTPS listeners: the configured PEM files, or a self-signed
/// certificate generated once into the data dir.
enum TLSSetup {
    /// Loads or creates the certificate and key and returns a server configuration.
    static func serverConfiguration(_ configuration: CertificateConfiguration) throws -> TLSConfiguration {
        let certPath: String
        let keyFile: String
        if let certificatePath = configuration.certificatePath, let keyPath = configuration.keyPath {
            certPath = certificatePath
            keyFile = keyPath
        } else {
            let dir = configuration.selfSignedDirectory
            certPath = dir + "/self-signed.crt"
            keyFile = dir + "/self-signed.key"
            if !FileManager.default.fileExists(atPath: certPath) || !FileManager.default.fileExists(atPath: keyFile) {
                try generateSelfSigned(directory: dir, certPath: certPath, keyPath: keyFile)
            }
        }
        do {
            let chain = try NIOSSLCertificate.fromPEMFile(certPath).map { NIOSSLCertificateSource.certificate($0) }
            let key = try NIOSSLPrivateKey(file: keyFile, format: .pem)
            var tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
            tls.minimumTLSVersion = .tlsv12
            return tls
        } catch {
            throw ConfigurationError(key: "SEALDROP_TLS_CERT/SEALDROP_TLS_KEY", problem: "cannot load PEM certificate and key from \(certPath) and \(keyFile)")
        }
    }

    /// Writes a P-256 self-signed certificate for localhost (valid ten years) and its key (mode 0600).
    static func generateSelfSigned(directory: String, certPath: String, keyPath: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let signingKey = P256.Signing.PrivateKey()
        let key = Certificate.PrivateKey(signingKey)
        let name = try DistinguishedName { CommonName("localhost"); OrganizationName("Sealdrop self-signed") }
        let now = Date()
        let certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: key.publicKey,
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(10 * 365 * 86400),
            issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames([.dnsName("localhost"), .ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1]))])
            },
            issuerPrivateKey: key)
        let keyTemp = keyPath + ".part"
        _ = FileManager.default.createFile(atPath: keyTemp, contents: Data(signingKey.pemRepresentation.utf8), attributes: [.posixPermissions: 0o600])
        try replace(keyPath, with: keyTemp)
        // Written beside the target and renamed, like the key: Foundation's `.atomic` leaves an empty
        // /tmp/TemporaryDirectory.* behind on Linux at every call.
        let certTemp = certPath + ".part"
        try Data(try certificate.serializeAsPEM().pemString.utf8).write(to: URL(fileURLWithPath: certTemp))
        try replace(certPath, with: certTemp)
    }

    /// Renames `temporary` to `path`, replacing a leftover file of the pair (only one of them may be missing).
    private static func replace(_ path: String, with temporary: String) throws {
        guard rename(temporary, path) == 0 else {
            throw ConfigurationError(key: "SEALDROP_DATA_DIR", problem: "cannot write \(path): \(String(cString: strerror(errno)))")
        }
    }
}
