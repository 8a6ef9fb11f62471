/// The algorithm lists of an SSH_MSG_KEXINIT (RFC 4253 §7.1):
///
///     byte         SSH_MSG_KEXINIT (20)
///     byte[16]     cookie
///     name-list    kex_algorithms
///     name-list    server_host_key_algorithms
///     name-list    encryption_algorithms_client_to_server, encryption_algorithms_server_to_client
///     name-list    mac_algorithms_client_to_server, mac_algorithms_server_to_client
///     name-list    compression_algorithms_client_to_server, compression_algorithms_server_to_client
///     name-list    languages_client_to_server, languages_server_to_client
///     boolean      first_kex_packet_follows
///     uint32       0 (reserved)
struct SSHAlgorithmLists: Sendable, Hashable {
    var keyExchange: [String]
    var hostKey: [String]
    var encryptionClientToServer: [String]
    var encryptionServerToClient: [String]
    var macClientToServer: [String]
    var macServerToClient: [String]

    /// Parses a KEXINIT payload (starting with its message number).
    init(kexInitPayload payload: [UInt8]) throws(SSHWireError) {
        var reader = SSHWireReader(payload)
        guard try reader.readByte() == 20 else { throw SSHWireError("the first packet is not a KEXINIT") }
        _ = try reader.readBytes(16)
        self.keyExchange = try reader.readNameList()
        self.hostKey = try reader.readNameList()
        self.encryptionClientToServer = try reader.readNameList()
        self.encryptionServerToClient = try reader.readNameList()
        self.macClientToServer = try reader.readNameList()
        self.macServerToClient = try reader.readNameList()
    }

    init(
        keyExchange: [String], hostKey: [String], encryptionClientToServer: [String], encryptionServerToClient: [String],
        macClientToServer: [String], macServerToClient: [String]
    ) {
        self.keyExchange = keyExchange
        self.hostKey = hostKey
        self.encryptionClientToServer = encryptionClientToServer
        self.encryptionServerToClient = encryptionServerToClient
        self.macClientToServer = macClientToServer
        self.macServerToClient = macServerToClient
    }
}

/// What swift-nio-ssh 0.15.1 offers as a client (its `SSHKeyExchangeStateMachine` and `AESGCM.swift`), and why a
/// server it cannot talk to was refused: swift-nio-ssh only says "keyExchangeNegotiationFailure".
enum SSHAlgorithmNegotiation {
    /// The client's lists, in swift-nio-ssh's order of preference. The MAC is a placeholder: AES-GCM ignores it,
    /// but swift-nio-ssh still requires the server to list it.
    static let client = SSHAlgorithmLists(
        keyExchange: ["ecdh-sha2-nistp384", "ecdh-sha2-nistp256", "ecdh-sha2-nistp521", "curve25519-sha256", "curve25519-sha256@libssh.org"],
        hostKey: ["ssh-ed25519", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp521"],
        encryptionClientToServer: ["aes256-gcm@openssh.com", "aes128-gcm@openssh.com"],
        encryptionServerToClient: ["aes256-gcm@openssh.com", "aes128-gcm@openssh.com"],
        macClientToServer: ["hmac-sha2-256"],
        macServerToClient: ["hmac-sha2-256"]
    )

    /// The first category without a common algorithm, as a sentence naming both sides' lists; nil when every
    /// category has one.
    static func mismatch(server: SSHAlgorithmLists, client: SSHAlgorithmLists = Self.client) -> String? {
        func disjoint(_ ours: [String], _ theirs: [String]) -> Bool { Set(ours).isDisjoint(with: theirs) }
        func sentence(_ what: String, _ ours: [String], _ theirs: [String], _ hint: String) -> String {
            "no common \(what): the server offers \(Self.list(theirs)); this client supports \(ours.joined(separator: ", ")) (\(hint))"
        }
        // Extension markers such as ext-info-s and kex-strict-s-v00@openssh.com are not key exchange methods.
        let serverKeyExchange = server.keyExchange.filter { !$0.hasPrefix("ext-info-") && !$0.hasPrefix("kex-strict-") }
        if disjoint(client.keyExchange, serverKeyExchange) {
            return sentence("key exchange method", client.keyExchange, serverKeyExchange, "swift-nio-ssh has ECDH and Curve25519 only")
        }
        if disjoint(client.hostKey, server.hostKey) {
            let hint = server.hostKey.contains(where: { $0.hasPrefix("rsa-") || $0 == "ssh-rsa" })
                ? "the server has only an RSA host key; swift-nio-ssh has no RSA: give the server an Ed25519 or ECDSA host key"
                : "swift-nio-ssh has Ed25519 and ECDSA host keys only"
            return sentence("host key type", client.hostKey, server.hostKey, hint)
        }
        for (ours, theirs) in [(client.encryptionClientToServer, server.encryptionClientToServer), (client.encryptionServerToClient, server.encryptionServerToClient)]
        where disjoint(ours, theirs) {
            return sentence("cipher", ours, theirs, "swift-nio-ssh has AES-GCM only: enable aes256-gcm@openssh.com or aes128-gcm@openssh.com on the server")
        }
        for (ours, theirs) in [(client.macClientToServer, server.macClientToServer), (client.macServerToClient, server.macServerToClient)]
        where disjoint(ours, theirs) {
            return sentence("MAC", ours, theirs, "swift-nio-ssh needs the server to list hmac-sha2-256 even though AES-GCM does not use it")
        }
        return nil
    }

    private static func list(_ names: [String]) -> String {
        names.isEmpty ? "nothing" : names.joined(separator: ", ")
    }
}
