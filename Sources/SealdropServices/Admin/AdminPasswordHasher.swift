import HummingbirdBcrypt

/// bcrypt hashing of administrator passwords, off the cooperative threads.
public struct AdminPasswordHasher: Sendable {
    /// The bcrypt cost (log2 rounds); 12 in production, lower in tests.
    public let cost: UInt8
    let kdf: KeyDerivationRunner

    public init(cost: UInt8 = 12, kdf: KeyDerivationRunner) {
        self.cost = cost
        self.kdf = kdf
    }

    public func hash(_ password: String) async throws -> String {
        let cost = self.cost
        return try await kdf.run { Bcrypt.hash(password, cost: cost) }
    }

    public func verify(_ password: String, hash: String) async throws -> Bool {
        try await kdf.run { Bcrypt.verify(password, hash: hash) }
    }
}
