import Foundation
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
    func generatedPasswordsAlwaysValidate(policy: PasswordPolicy) throws {
        var rng = SeededRNG(state: 42)
        let generator = PasswordGenerator()
        for _ in 0..<2_000 {
            let password = try generator.generate(policy: policy, using: &rng)
            #expect(policy.validate(password).isEmpty, "\(password)")
            #expect(password.count == generator.length(for: policy))
        }
    }

    @Test func lengthFollowsPolicy() {
        let generator = PasswordGenerator()
        var policy = PasswordPolicy()
        #expect(generator.length(for: policy) == 13)
        policy.minimumLength = 16
        #expect(generator.length(for: policy) == 16)
        policy.minimumLength = 4
        policy.maximumLength = 10
        #expect(generator.length(for: policy) == 10)
    }

    @Test func avoidsAmbiguousAndBlacklistedCharacters() throws {
        var policy = PasswordPolicy()
        policy.blacklistedCharacters = "~*"
        var rng = SeededRNG(state: 7)
        let all = try (0..<500).map { _ in try PasswordGenerator().generate(policy: policy, using: &rng) }.joined()
        #expect(!all.contains { "0O1lI~*".contains($0) })
    }

    /// Generated passwords go into download links and mails: none may hold a character a URL or a mail link changes.
    @Test func aThousandPasswordsHoldNoURLUnsafeCharacterAndSatisfyThePolicy() throws {
        let policy = PasswordPolicy()
        let generator = PasswordGenerator()
        for _ in 0..<1_000 {
            let password = try generator.generate(policy: policy)
            #expect(!password.contains { "#%&+=?/ ".contains($0) }, "\(password)")
            #expect(policy.validate(password).isEmpty, "\(password)")
            #expect(password.count == 13)
        }
    }

    /// Dropping the URL-unsafe specials must not weaken the default password: the old one had 12 × log2 68 bits.
    @Test func defaultPasswordsCarryNoLessEntropyThanBefore() {
        let alphabet = Double(PasswordGenerator.upperCase.count + PasswordGenerator.lowerCase.count
                              + PasswordGenerator.digits.count + PasswordGenerator.specials.count)
        let bits = Double(PasswordGenerator().length(for: PasswordPolicy())) * log2(alphabet)
        #expect(bits >= 12 * log2(68.0))
        #expect(!PasswordGenerator.specials.contains { "#%&+=?/ ".contains($0) })
    }

    @Test func systemGeneratorProducesDistinctValidPasswords() throws {
        let passwords = try (0..<50).map { _ in try PasswordGenerator().generate(policy: PasswordPolicy()) }
        #expect(Set(passwords).count == 50)
        #expect(passwords.allSatisfy { PasswordPolicy().validate($0).isEmpty })
    }

    static let everyCharacter = String(PasswordGenerator.upperCase + PasswordGenerator.lowerCase + PasswordGenerator.digits + PasswordGenerator.specials)

    @Test func aBlacklistOfEveryCharacterIsRefusedNotAnEmptyPassword() {
        var policy = PasswordPolicy()
        policy.blacklistedCharacters = Self.everyCharacter
        #expect(PasswordGenerator.problems(for: policy).contains("password.blacklistedCharacters leaves no character to generate passwords from"))
        #expect(SealdropSettings.with(policy).validationErrors().contains { $0.hasPrefix("password.blacklistedCharacters ") })
        var rng = SeededRNG(state: 1)
        #expect(throws: PasswordGenerator.Unsatisfiable.self) { _ = try PasswordGenerator().generate(policy: policy, using: &rng) }
        // Even with no class required: nothing to draw from.
        policy.upperCaseRequired = false; policy.lowerCaseRequired = false; policy.lettersRequired = false
        policy.digitsRequired = false; policy.specialCharactersRequired = false
        #expect(throws: PasswordGenerator.Unsatisfiable.self) { _ = try PasswordGenerator().generate(policy: policy, using: &rng) }
    }

    @Test(arguments: [
        ("ABCDEFGHJKLMNPQRSTUVWXYZ", "upper-case letter"), ("abcdefghijkmnopqrstuvwxyz", "lower-case letter"),
        ("23456789", "digit"), ("!-@_~*", "special character"),
    ])
    func aBlacklistEmptyingARequiredClassNamesTheField(blacklist: String, name: String) throws {
        var policy = PasswordPolicy()
        policy.blacklistedCharacters = blacklist
        #expect(PasswordGenerator.problems(for: policy) == ["password.blacklistedCharacters leaves no \(name), but the policy requires one"])
        var rng = SeededRNG(state: 3)
        #expect(throws: PasswordGenerator.Unsatisfiable.self) { _ = try PasswordGenerator().generate(policy: policy, using: &rng) }
    }

    @Test func aBlacklistOfAClassNotRequiredStillGenerates() throws {
        var policy = PasswordPolicy()
        policy.blacklistedCharacters = "23456789"
        policy.digitsRequired = false
        #expect(PasswordGenerator.problems(for: policy).isEmpty)
        var rng = SeededRNG(state: 5)
        for _ in 0..<200 {
            let password = try PasswordGenerator().generate(policy: policy, using: &rng)
            #expect(!password.isEmpty && policy.validate(password).isEmpty && !password.contains { $0.isNumber })
        }
    }

    @Test func aMaximumBelowTheRequiredClassesIsAProblem() {
        var policy = PasswordPolicy()
        policy.minimumLength = 2
        policy.maximumLength = 3
        #expect(PasswordGenerator.problems(for: policy) == ["password.maximumLength is below the 4 required character classes"])
    }
}

extension SealdropSettings {
    /// Default settings with `password` as the password policy.
    static func with(_ password: PasswordPolicy) -> SealdropSettings {
        var settings = SealdropSettings()
        settings.password = password
        return settings
    }
}
