/// Cryptographically secure random bytes from the system CSPRNG (getrandom on Linux).
public enum SecureRandom {
    /// `count` random bytes.
    public static func bytes(_ count: Int) -> [UInt8] {
        precondition(count >= 0)
        var rng = SystemRandomNumberGenerator()
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            var i = 0
            while i < count {
                var word = rng.next()
                let n = min(8, count - i)
                withUnsafeBytes(of: &word) { w in
                    for j in 0..<n { buffer[i + j] = w[j] }
                }
                i += n
            }
            initialized = count
        }
    }
}
