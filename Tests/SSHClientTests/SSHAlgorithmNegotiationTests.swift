import Testing

@testable import SSHClient

/// Explaining a failed negotiation from the server's KEXINIT, which swift-nio-ssh only reports as a failure.
@Suite struct SSHAlgorithmNegotiationTests {
    /// OpenSSH 9.2's defaults (`ssh -Q` and sshd_config(5)), with an Ed25519 host key.
    private let openSSHDefaults = SSHAlgorithmLists(
        keyExchange: ["sntrup761x25519-sha512@openssh.com", "curve25519-sha256", "curve25519-sha256@libssh.org", "ecdh-sha2-nistp256", "kex-strict-s-v00@openssh.com"],
        hostKey: ["rsa-sha2-512", "rsa-sha2-256", "ecdsa-sha2-nistp256", "ssh-ed25519"],
        encryptionClientToServer: ["chacha20-poly1305@openssh.com", "aes128-ctr", "aes256-gcm@openssh.com"],
        encryptionServerToClient: ["chacha20-poly1305@openssh.com", "aes128-ctr", "aes256-gcm@openssh.com"],
        macClientToServer: ["umac-64-etm@openssh.com", "hmac-sha2-256-etm@openssh.com", "hmac-sha2-256"],
        macServerToClient: ["umac-64-etm@openssh.com", "hmac-sha2-256-etm@openssh.com", "hmac-sha2-256"]
    )

    @Test func acceptsOpenSSHDefaults() {
        #expect(SSHAlgorithmNegotiation.mismatch(server: self.openSSHDefaults) == nil)
    }

    /// An RSA-only server is told apart from other host key problems and the fix is named.
    @Test func namesAnRSAOnlyServer() throws {
        var server = self.openSSHDefaults
        server.hostKey = ["rsa-sha2-512", "rsa-sha2-256"]
        let message = try #require(SSHAlgorithmNegotiation.mismatch(server: server))
        #expect(message.hasPrefix("no common host key type: the server offers rsa-sha2-512, rsa-sha2-256; this client supports ssh-ed25519"))
        #expect(message.contains("swift-nio-ssh has no RSA"))
    }

    /// A chacha20-only server fails on the cipher, and the message says AES-GCM is needed.
    @Test func namesAChachaOnlyServer() throws {
        var server = self.openSSHDefaults
        server.encryptionClientToServer = ["chacha20-poly1305@openssh.com"]
        server.encryptionServerToClient = ["chacha20-poly1305@openssh.com"]
        let message = try #require(SSHAlgorithmNegotiation.mismatch(server: server))
        #expect(message.hasPrefix("no common cipher: the server offers chacha20-poly1305@openssh.com"))
        #expect(message.contains("aes256-gcm@openssh.com"))
    }

    /// The observer finds the version line (after other lines) and the KEXINIT in the server's first bytes, and
    /// waits while either is incomplete.
    @Test func observerParsesTheServersHello() throws {
        var payload = SSHWireWriter()
        payload.writeBytes([20] + [UInt8](repeating: 0xAB, count: 16))
        for list in [["curve25519-sha256"], ["rsa-sha2-512"], ["aes128-ctr"], ["aes128-ctr"], ["hmac-sha2-256"], ["hmac-sha2-256"], ["none"], ["none"], [], []] {
            payload.writeString(list.joined(separator: ","))
        }
        payload.writeBytes([0, 0, 0, 0, 0])
        let padding = 8 - (payload.bytes.count + 5) % 8 + 8
        var packet = SSHWireWriter()
        packet.writeUInt32(UInt32(payload.bytes.count + padding + 1))
        packet.writeBytes([UInt8(padding)] + payload.bytes + [UInt8](repeating: 0, count: padding))
        let bytes = Array("Welcome\r\nSSH-2.0-OpenSSH_9.2p1 Debian\r\n".utf8) + packet.bytes
        let hello = try #require(SSHServerHelloObserver.parse(bytes))
        #expect(hello.version == "SSH-2.0-OpenSSH_9.2p1 Debian")
        #expect(hello.algorithms?.hostKey == ["rsa-sha2-512"])
        #expect(hello.algorithms?.encryptionServerToClient == ["aes128-ctr"])
        #expect(hello.complete)
        let partial = try #require(SSHServerHelloObserver.parse(Array(bytes.dropLast(3))))
        #expect(partial.version == "SSH-2.0-OpenSSH_9.2p1 Debian" && partial.algorithms == nil && !partial.complete)
        #expect(SSHServerHelloObserver.parse(Array("SSH-2.0-OpenSSH_9.2p1".utf8)) == nil)
    }
}
