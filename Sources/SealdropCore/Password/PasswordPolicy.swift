/// The administrator's password rules (`spec/product.md` §2.9); decodes from a subset of keys, defaulting the rest.
///
/// `blacklistedCharactersDeclined` has no switch of its own: it is active exactly when
/// `blacklistedCharacters` is non-empty. An empty `dictionaryWords` means "use the built-in
/// English and German list" (``PasswordDictionary/defaultWords``).
public struct PasswordPolicy: Codable, Sendable, Equatable {
    // Rule switches, named like the REST rules (`PasswordRuleName`).
    public var whitespacesDeclined = true
    public var alphabeticalSequenceDeclined = true
    public var numericSequenceDeclined = true
    public var keyboardSequenceDeclined = true
    public var repeatedCharactersDeclined = true
    public var dictionaryWordsDeclined = true
    public var minimumLengthRequired = true
    public var maximumLengthRequired = true
    public var lettersRequired = true
    public var specialCharactersRequired = true
    public var upperCaseRequired = true
    public var lowerCaseRequired = true
    public var digitsRequired = true

    /// Minimum number of characters; also the floor for generated passwords.
    public var minimumLength = 8
    /// Maximum number of characters.
    public var maximumLength = 64
    /// Shortest run that counts as a sequence (`abc`, `123`, `qwe`) or a repeat (`aaa`).
    public var sequenceLength = 3
    /// Characters a password must not contain; the rule is active only when non-empty.
    public var blacklistedCharacters = ""
    /// Words a password must not contain (case-insensitive, words shorter than 4 are ignored); empty = built-in list.
    public var dictionaryWords: [String] = []

    /// The product-like default policy.
    public init() {}

    private enum CodingKeys: String, CodingKey {
        case whitespacesDeclined, alphabeticalSequenceDeclined, numericSequenceDeclined
        case keyboardSequenceDeclined, repeatedCharactersDeclined, dictionaryWordsDeclined
        case minimumLengthRequired, maximumLengthRequired, lettersRequired, specialCharactersRequired
        case upperCaseRequired, lowerCaseRequired, digitsRequired
        case minimumLength, maximumLength, sequenceLength, blacklistedCharacters, dictionaryWords
    }

    /// Decodes the keys present, keeps defaults for the rest, and rejects contradictory lengths.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func flag(_ key: CodingKeys, _ fallback: Bool) throws -> Bool {
            try c.decodeIfPresent(Bool.self, forKey: key) ?? fallback
        }
        whitespacesDeclined = try flag(.whitespacesDeclined, whitespacesDeclined)
        alphabeticalSequenceDeclined = try flag(.alphabeticalSequenceDeclined, alphabeticalSequenceDeclined)
        numericSequenceDeclined = try flag(.numericSequenceDeclined, numericSequenceDeclined)
        keyboardSequenceDeclined = try flag(.keyboardSequenceDeclined, keyboardSequenceDeclined)
        repeatedCharactersDeclined = try flag(.repeatedCharactersDeclined, repeatedCharactersDeclined)
        dictionaryWordsDeclined = try flag(.dictionaryWordsDeclined, dictionaryWordsDeclined)
        minimumLengthRequired = try flag(.minimumLengthRequired, minimumLengthRequired)
        maximumLengthRequired = try flag(.maximumLengthRequired, maximumLengthRequired)
        lettersRequired = try flag(.lettersRequired, lettersRequired)
        specialCharactersRequired = try flag(.specialCharactersRequired, specialCharactersRequired)
        upperCaseRequired = try flag(.upperCaseRequired, upperCaseRequired)
        lowerCaseRequired = try flag(.lowerCaseRequired, lowerCaseRequired)
        digitsRequired = try flag(.digitsRequired, digitsRequired)
        minimumLength = try c.decodeIfPresent(Int.self, forKey: .minimumLength) ?? minimumLength
        maximumLength = try c.decodeIfPresent(Int.self, forKey: .maximumLength) ?? maximumLength
        sequenceLength = try c.decodeIfPresent(Int.self, forKey: .sequenceLength) ?? sequenceLength
        blacklistedCharacters = try c.decodeIfPresent(String.self, forKey: .blacklistedCharacters) ?? ""
        dictionaryWords = try c.decodeIfPresent([String].self, forKey: .dictionaryWords) ?? []

        if minimumLength < 1 {
            throw DecodingError.dataCorruptedError(
                forKey: .minimumLength, in: c, debugDescription: "minimumLength must be at least 1")
        }
        if maximumLength < 1 || (minimumLengthRequired && maximumLengthRequired && maximumLength < minimumLength) {
            throw DecodingError.dataCorruptedError(
                forKey: .maximumLength, in: c, debugDescription: "maximumLength must be at least minimumLength")
        }
        if sequenceLength < 2 {
            throw DecodingError.dataCorruptedError(
                forKey: .sequenceLength, in: c, debugDescription: "sequenceLength must be at least 2")
        }
    }

    /// The enabled rules with their details, in REST rule-name order (for `GET /api/password/requirements`).
    public var requirements: [PasswordRequirement] {
        PasswordRuleName.allCases.compactMap { name in
            isEnabled(name) ? PasswordRequirement(name: name, details: details(for: name)) : nil
        }
    }

    /// The enabled rules `password` breaks; empty means the password is valid.
    ///
    /// Prepares a ``PasswordValidator`` per call; keep one when checking many passwords.
    public func validate(_ password: String) -> [PasswordRequirement] {
        PasswordValidator(policy: self).validate(password)
    }

    /// Whether the administrator switched the rule on.
    public func isEnabled(_ rule: PasswordRuleName) -> Bool {
        switch rule {
        case .whitespacesDeclined: whitespacesDeclined
        case .alphabeticalSequenceDeclined: alphabeticalSequenceDeclined
        case .numericSequenceDeclined: numericSequenceDeclined
        case .keyboardSequenceDeclined: keyboardSequenceDeclined
        case .blacklistedCharactersDeclined: !blacklistedCharacters.isEmpty
        case .repeatedCharactersDeclined: repeatedCharactersDeclined
        case .dictionaryWordsDeclined: dictionaryWordsDeclined
        case .minimumLengthRequired: minimumLengthRequired
        case .maximumLengthRequired: maximumLengthRequired
        case .lettersRequired: lettersRequired
        case .specialCharactersRequired: specialCharactersRequired
        case .upperCaseRequired: upperCaseRequired
        case .lowerCaseRequired: lowerCaseRequired
        case .digitsRequired: digitsRequired
        }
    }

    private func details(for rule: PasswordRuleName) -> [String: PasswordRequirement.DetailValue] {
        switch rule {
        case .minimumLengthRequired: ["length": .int(minimumLength)]
        case .maximumLengthRequired: ["length": .int(maximumLength)]
        case .alphabeticalSequenceDeclined, .numericSequenceDeclined, .keyboardSequenceDeclined,
             .repeatedCharactersDeclined:
            ["length": .int(sequenceLength)]
        case .blacklistedCharactersDeclined: ["characters": .string(blacklistedCharacters)]
        default: [:]
        }
    }
}
