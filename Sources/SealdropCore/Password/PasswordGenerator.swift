/// Generates passwords that satisfy a ``PasswordPolicy`` (for `GET /api/password` and `GENERATED` password mode).
///
/// Characters come from unambiguous sets (no `0 O 1 l I`) and a URL-friendly special set, minus
/// the policy's blacklisted characters. Each candidate holds at least one character of every
/// class and is shuffled; candidates that still break a rule (sequences, repeats, words) are
/// rejected and redrawn.
public struct PasswordGenerator: Sendable {
    static let upperCase = Array("ABCDEFGHJKLMNPQRSTUVWXYZ")
    static let lowerCase = Array("abcdefghijkmnopqrstuvwxyz")
    static let digits = Array("23456789")
    static let specials = Array("!#%+-=?@_~*")

    /// Length of generated passwords when the policy's minimum is lower.
    public static let preferredLength = 12
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

    /// Generates a password valid under `policy` using the system CSPRNG.
    public func generate(policy: PasswordPolicy) -> String {
        var rng = SystemRandomNumberGenerator()
        return generate(policy: policy, using: &rng)
    }

    /// Generates a password valid under `policy`, drawing from `rng`.
    ///
    /// Rejection sampling is bounded; for a policy no password can satisfy (for example every
    /// special character blacklisted while special characters are required) the last candidate
    /// is returned, so callers that must be certain validate the result.
    public func generate<R: RandomNumberGenerator>(policy: PasswordPolicy, using rng: inout R) -> String {
        let banned = Set(policy.blacklistedCharacters)
        let classes = [Self.upperCase, Self.lowerCase, Self.digits, Self.specials]
            .map { $0.filter { !banned.contains($0) } }
            .filter { !$0.isEmpty }
        guard !classes.isEmpty else { return "" }
        let all = classes.flatMap { $0 }
        let length = length(for: policy)
        let validator = PasswordValidator(policy: policy)

        var candidate = ""
        for _ in 0..<Self.maximumAttempts {
            var characters: [Character] = classes.prefix(length).map { $0.randomElement(using: &rng)! }
            while characters.count < length {
                characters.append(all.randomElement(using: &rng)!)
            }
            characters.shuffle(using: &rng)
            candidate = String(characters)
            if validator.validate(candidate).isEmpty { return candidate }
        }
        return candidate
    }
}
