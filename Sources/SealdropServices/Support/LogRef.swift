import Crypto
import SealdropCore

/// A short stand-in for a secret identifier in logs: the first 8 hex digits of its SHA-256.
///
/// A recipient's transfer id is the secret of the download link and file ids name its files; logs and the
/// admin status page's recent lines carry only this reference (`transfer.ref`, `file.ref`), which an
/// administrator can compute from an id in hand but nobody can turn back into the id.
public enum LogRef {
    /// The reference of `secret`, e.g. `3fa29c1b`.
    public static func of(_ secret: String) -> String {
        SHA256.hash(data: Array(secret.utf8)).prefix(4).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}

extension TransferID {
    /// What logs show instead of the id: ``LogRef/of(_:)``.
    public var logRef: String { LogRef.of(rawValue) }
}

extension FileID {
    /// What logs show instead of the id: ``LogRef/of(_:)``.
    public var logRef: String { LogRef.of(rawValue) }
}
