import Synchronization

/// What the pipeline learns about a connection and the façade reads: the server's version line and algorithms,
/// the host key it presented, and the first error that ended the connection.
final class SSHConnectionState: Sendable {
    private struct Values {
        var serverVersion: String?
        var serverAlgorithms: SSHAlgorithmLists?
        var hostKey: SSHHostKeyInfo?
        var firstError: (any Error)?
    }

    private let values = Mutex(Values())

    /// The server's identification line (`SSH-2.0-OpenSSH_9.2p1 …`), once received.
    var serverVersion: String? { self.values.withLock { $0.serverVersion } }
    /// The server's KEXINIT lists, once received.
    var serverAlgorithms: SSHAlgorithmLists? { self.values.withLock { $0.serverAlgorithms } }
    /// The host key the server presented, once the key exchange verified its signature.
    var hostKey: SSHHostKeyInfo? { self.values.withLock { $0.hostKey } }
    /// The first error the connection's pipeline saw.
    var firstError: (any Error)? { self.values.withLock { $0.firstError } }

    func recordServerHello(version: String?, algorithms: SSHAlgorithmLists?) {
        self.values.withLock {
            $0.serverVersion = version
            if let algorithms { $0.serverAlgorithms = algorithms }
        }
    }

    func recordHostKey(_ hostKey: SSHHostKeyInfo) {
        self.values.withLock { $0.hostKey = hostKey }
    }

    func recordError(_ error: any Error) {
        self.values.withLock { values in
            if values.firstError == nil { values.firstError = error }
        }
    }
}
