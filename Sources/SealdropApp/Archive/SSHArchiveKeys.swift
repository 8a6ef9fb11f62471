import SSHClient
import SealdropServices

/// The archive's SSH client keys, made and read by `SSHClient`.
struct SSHArchiveKeys: ArchiveKeys {
    func generate(comment: String) -> (privateKey: String, publicLine: String) {
        let key = SSHPrivateKey.generateEd25519()
        return (key.openSSHText, key.publicKeyLine(comment: comment))
    }

    func publicLine(privateKey: String, passphrase: String, comment: String) -> String? {
        (try? SSHPrivateKey(openSSH: privateKey, passphrase: passphrase.isEmpty ? nil : passphrase))?.publicKeyLine(comment: comment)
    }
}
