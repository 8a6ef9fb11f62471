import Crypto

/// OpenSSH's key-derivation function for passphrase-protected private keys (`openssh-key-v1` with kdfname
/// `bcrypt`), a port of `openbsd-compat/bcrypt_pbkdf.c`: PBKDF2's structure with SHA-512 collapsing and a
/// bcrypt-style Blowfish hash as the PRF, and the output bytes interleaved across blocks.
///
/// Cost: each round is one ``hash(passphraseDigest:saltDigest:)``, about 67,000 Blowfish encryptions, per
/// 32-byte output block. `ssh-keygen` uses 16 rounds by default.
enum BcryptPBKDF {
    /// The length of one bcrypt hash output block.
    private static let blockLength = 32
    /// The longest key the algorithm defines (32 blocks of 32 bytes).
    static let maximumKeyLength = 32 * 32

    /// Derives `keyLength` bytes from `passphrase` and `salt` with `rounds` iterations.
    ///
    /// Throws ``BcryptPBKDFError`` for parameters OpenSSH refuses: no rounds, an empty passphrase or salt, a key of
    /// 0 or more than 1,024 bytes, a salt over 1 MiB.
    static func deriveKey(passphrase: [UInt8], salt: [UInt8], rounds: Int, keyLength: Int) throws -> [UInt8] {
        guard rounds >= 1 else { throw BcryptPBKDFError("rounds must be at least 1") }
        guard !passphrase.isEmpty else { throw BcryptPBKDFError("the passphrase is empty") }
        guard !salt.isEmpty, salt.count <= 1 << 20 else { throw BcryptPBKDFError("the salt must be 1 byte to 1 MiB long") }
        guard keyLength >= 1, keyLength <= Self.maximumKeyLength else {
            throw BcryptPBKDFError("the key length must be 1 to \(Self.maximumKeyLength) bytes")
        }

        let stride = (keyLength + Self.blockLength - 1) / Self.blockLength
        let bytesPerBlock = (keyLength + stride - 1) / stride
        var key = [UInt8](repeating: 0, count: keyLength)
        var passphraseDigest = Array(SHA512.hash(data: passphrase))
        var countSalt = salt + [0, 0, 0, 0]
        var output = [UInt8](repeating: 0, count: Self.blockLength)
        var roundOutput = [UInt8](repeating: 0, count: Self.blockLength)
        defer {
            // Everything below is derived from the passphrase.
            Self.zero(&passphraseDigest)
            Self.zero(&output)
            Self.zero(&roundOutput)
        }

        var remaining = keyLength
        var count: UInt32 = 1
        while remaining > 0 {
            countSalt[salt.count] = UInt8(truncatingIfNeeded: count >> 24)
            countSalt[salt.count + 1] = UInt8(truncatingIfNeeded: count >> 16)
            countSalt[salt.count + 2] = UInt8(truncatingIfNeeded: count >> 8)
            countSalt[salt.count + 3] = UInt8(truncatingIfNeeded: count)

            var saltDigest = Array(SHA512.hash(data: countSalt))
            roundOutput = Self.hash(passphraseDigest: passphraseDigest, saltDigest: saltDigest)
            output = roundOutput
            for _ in 1..<rounds {
                saltDigest = Array(SHA512.hash(data: roundOutput))
                roundOutput = Self.hash(passphraseDigest: passphraseDigest, saltDigest: saltDigest)
                for index in 0..<Self.blockLength { output[index] ^= roundOutput[index] }
            }

            // Not PBKDF2: block `count` supplies every `stride`-th byte of the key, starting at `count - 1`.
            var written = 0
            for index in 0..<min(bytesPerBlock, remaining) {
                let destination = index * stride + Int(count - 1)
                if destination >= keyLength { break }
                key[destination] = output[index]
                written += 1
            }
            remaining -= written
            count += 1
        }
        return key
    }

    /// bcrypt's core as bcrypt_pbkdf uses it (`bcrypt_hash`): a Blowfish state keyed 64 times by the two SHA-512
    /// digests encrypts "OxychromaticBlowfishSwatDynamite" 64 times; the result is read as little-endian words.
    static func hash(passphraseDigest: [UInt8], saltDigest: [UInt8]) -> [UInt8] {
        let blowfish = Blowfish()
        passphraseDigest.withUnsafeBufferPointer { passphrase in
            saltDigest.withUnsafeBufferPointer { salt in
                blowfish.expandState(data: salt, key: passphrase)
                for _ in 0..<64 {
                    blowfish.expand0State(key: salt)
                    blowfish.expand0State(key: passphrase)
                }
            }
        }

        var words = [UInt32](repeating: 0, count: Self.blockLength / 4)
        Array("OxychromaticBlowfishSwatDynamite".utf8).withUnsafeBufferPointer { magic in
            var position = 0
            for index in words.indices { words[index] = Blowfish.streamWord(magic, &position) }
        }
        for _ in 0..<64 {
            var index = 0
            while index < words.count {
                var left = words[index]
                var right = words[index + 1]
                blowfish.encipher(&left, &right)
                words[index] = left
                words[index + 1] = right
                index += 2
            }
        }

        var out = [UInt8](repeating: 0, count: Self.blockLength)
        for (index, word) in words.enumerated() {
            out[4 * index] = UInt8(truncatingIfNeeded: word)
            out[4 * index + 1] = UInt8(truncatingIfNeeded: word >> 8)
            out[4 * index + 2] = UInt8(truncatingIfNeeded: word >> 16)
            out[4 * index + 3] = UInt8(truncatingIfNeeded: word >> 24)
        }
        for index in words.indices { words[index] = 0 }
        return out
    }

    /// Overwrites key material before the array is released.
    private static func zero(_ bytes: inout [UInt8]) {
        for index in bytes.indices { bytes[index] = 0 }
    }
}

/// Parameters ``BcryptPBKDF`` refuses; the description never contains the passphrase.
struct BcryptPBKDFError: Error, CustomStringConvertible {
    /// Which parameter was wrong.
    let description: String

    /// Creates an error with its explanation.
    init(_ description: String) { self.description = "bcrypt_pbkdf: " + description }
}
