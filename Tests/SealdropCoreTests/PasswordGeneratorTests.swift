import Testing

@testable import SealdropCore

@Suite struct PasswordGeneratorTests {
    /// SplitMix64: a small deterministic generator so failures reproduce.
    private struct SeededRNG: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static var policies: [PasswordPolicy] {
        var long = PasswordPolicy()
        long.minimumLength = 20
        var short = PasswordPolicy()
        short.maximumLength = 8
        var blacklisted = PasswordPolicy()
        blacklisted.blacklistedCharacters = "!#%+-=?@_"
        var strictSequences = PasswordPolicy()
        strictSequences.sequenceLength = 2
        var lax = PasswordPolicy()
        lax.specialCharactersRequired = false
        lax.maximumLengthRequired = false
        return [PasswordPolicy(), long, short, blacklisted, strictSequences, lax]
    }

    @Test(arguments: policies)
    func generatedPasswordsAlwaysValidate(policy: PasswordPolicy) {
        var rng = SeededRNG(state: 42)
        let generator = PasswordGenerator()
        for _ in 0..<2_000 {
            let password = generator.generate(policy: policy, using: &rng)
            #expect(policy.validate(password).isEmpty, "\(password)")
            #expect(password.count == generator.length(for: policy))
        }
    }

    @Test func lengthFollowsPolicy() {
        let generator = PasswordGenerator()
        var policy = PasswordPolicy()
        #expect(generator.length(for: policy) == 12)
        policy.minimumLength = 16
        #expect(generator.length(for: policy) == 16)
        policy.minimumLength = 4
        policy.maximumLength = 10
        #expect(generator.length(for: policy) == 10)
    }

    @Test func avoidsAmbiguousAndBlacklistedCharacters() {
        var policy = PasswordPolicy()
        policy.blacklistedCharacters = "~*"
        var rng = SeededRNG(state: 7)
        let all = (0..<500).map { _ in PasswordGenerator().generate(policy: policy, using: &rng) }.joined()
        #expect(!all.contains { "0O1lI~*".contains($0) })
    }

    @Test func systemGeneratorProducesDistinctValidPasswords() {
        let passwords = (0..<50).map { _ in PasswordGenerator().generate(policy: PasswordPolicy()) }
        #expect(Set(passwords).count == 50)
        #expect(passwords.allSatisfy { PasswordPolicy().validate($0).isEmpty })
    }
}
