/// Generates passwords that satisfy a ``PasswordPolicy`` (for `GET /api/password` and `GENERATED` password mode).
///
/// Characters come from unambiguous sets (no `0 O 1 l I`) and a special set that survives URLs and
/// mail links unencoded (no `# % & + = ? /` and no space: the password may travel in a download
/// link's query or be pasted from a mail), minus the policy's blacklisted characters. Each candidate
/// holds at least one character of every class and is shuffled; candidates that still break a rule
/// (sequences, repeats, words) are rejected and redrawn.
///
/// Strength with the default policy: 63 characters (24 + 25 + 8 + 6), 13 long, so at most
/// 13 × log2 63 ≈ 77.7 bits; forcing one character per class and rejecting sequences and words costs
/// about a bit. The earlier alphabet (68 characters, 12 long, ≈ 73.0 bits) put `# % + = ?` into
/// passwords; the extra character more than pays for the 5 dropped ones.
public struct PasswordGenerator: Sendable {
    static let upperCase = Array("ABCDEFGHJKLMNPQRSTUVWXYZ")
    static let lowerCase = Array("abcdefghijkmnopqrstuvwxyz")
    static let digits = Array("23456789")
    /// Specials that need no percent-encoding in a URL query and end no link early (RFC 3986 unreserved or `!*@`).
    static let specials = Array("!-@_~*")

    /// Length of generated passwords when the policy's minimum is lower (13 keeps ≥ 73 bits with 63 characters).
    public static let preferredLength = 13
    /// Upper bound on redraws; only an unsatisfiable policy ever reaches it.
    static let maximumAttempts = 10_000

    public init() {}

    /// The length generated passwords have: at least ``preferredLength`` and the minimum, at most the maximum.
    public func length(for policy: PasswordPolicy) -> Int {
        var length = Self.preferredLength
        if policy.minimumLengthRequired { length = max(length, policy.minimumLength) }
        if policy.maximumLengthRequired { length = min(length, policy.maximumLength) }
        return max(length, 1)
    }

    /// A policy no generated password can satisfy; `validationErrors` keeps such a policy from being saved,
    /// so this means a bug, never a password that breaks the rules.
    public struct Unsatisfiable: Error, Sendable, Equatable {
        /// The setting at fault and why, as in ``problems(for:)``.
        public let reason: String
    }

    /// Why `policy` leaves the generator nothing to work with, each naming its setting: the blacklist
    /// removes every character of a required class (or every character), or the maximum length is below
    /// the number of classes each password holds. Empty when passwords can be generated.
    public static func problems(for policy: PasswordPolicy) -> [String] {
        let banned = Set(policy.blacklistedCharacters)
        let left = [upperCase, lowerCase, digits, specials].map { $0.filter { !banned.contains($0) } }
        var problems: [String] = []
        let required = [("upper-case letter", policy.upperCaseRequired, left[0]), ("lower-case letter", policy.lowerCaseRequired, left[1]),
                        ("digit", policy.digitsRequired, left[2]), ("special character", policy.specialCharactersRequired, left[3])]
        for (name, isRequired, characters) in required where isRequired && characters.isEmpty {
            problems.append("password.blacklistedCharacters leaves no \(name), but the policy requires one")
        }
        if policy.lettersRequired && left[0].isEmpty && left[1].isEmpty {
            problems.append("password.blacklistedCharacters leaves no letter, but the policy requires one")
        }
        if left.allSatisfy(\.isEmpty) {
            problems.append("password.blacklistedCharacters leaves no character to generate passwords from")
        }
        let classes = required.filter(\.1).count + (policy.lettersRequired && !policy.upperCaseRequired && !policy.lowerCaseRequired ? 1 : 0)
        if PasswordGenerator().length(for: policy) < classes {
            problems.append("password.maximumLength is below the \(classes) required character classes")
        }
        return problems
    }

    /// Generates a password valid under `policy` using the system CSPRNG.
    public func generate(policy: PasswordPolicy) throws(Unsatisfiable) -> String {
        var rng = SystemRandomNumberGenerator()
        return try generate(policy: policy, using: &rng)
    }

    /// Generates a password valid under `policy`, drawing from `rng`.
    ///
    /// Rejection sampling is bounded; for a policy no password can satisfy (see ``problems(for:)``) it
    /// throws rather than return an empty or non-compliant password.
    public func generate<R: RandomNumberGenerator>(policy: PasswordPolicy, using rng: inout R) throws(Unsatisfiable) -> String {
        if let problem = Self.problems(for: policy).first { throw Unsatisfiable(reason: problem) }
        let banned = Set(policy.blacklistedCharacters)
        let classes = [Self.upperCase, Self.lowerCase, Self.digits, Self.specials]
            .map { $0.filter { !banned.contains($0) } }
            .filter { !$0.isEmpty }
        let all = classes.flatMap { $0 }
        let length = length(for: policy)
        let validator = PasswordValidator(policy: policy)

        for _ in 0..<Self.maximumAttempts {
            var characters: [Character] = classes.prefix(length).map { $0.randomElement(using: &rng)! }
            while characters.count < length {
                characters.append(all.randomElement(using: &rng)!)
            }
            characters.shuffle(using: &rng)
            let candidate = String(characters)
            if validator.validate(candidate).isEmpty { return candidate }
        }
        throw Unsatisfiable(reason: "no generated password met the policy in \(Self.maximumAttempts) attempts")
    }
}
