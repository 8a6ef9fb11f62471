/// Checks passwords against one ``PasswordPolicy``, with the policy's word list and key rows prepared once.
///
/// Characters are grapheme clusters; sequence, repeat and word checks ignore case.
public struct PasswordValidator: Sendable {
    /// Keyboard rows of QWERTY and QWERTZ layouts; a keyboard sequence runs along one row, forwards or backwards.
    static let keyboardRows = [
        "1234567890", "qwertyuiop", "qwertzuiopü", "asdfghjkl", "asdfghjklöä", "zxcvbnm", "yxcvbnm",
    ]
    /// For each row, the position of each key.
    private static let keyboardPositions: [[Unicode.Scalar: Int]] = keyboardRows.map { row in
        Dictionary(uniqueKeysWithValues: row.unicodeScalars.enumerated().map { ($0.element, $0.offset) })
    }
    private static let defaultWordIndex = PasswordWordIndex(PasswordDictionary.defaultWords)

    /// The policy this validator applies.
    public let policy: PasswordPolicy
    /// The enabled rules, as ``PasswordPolicy/requirements``.
    public let requirements: [PasswordRequirement]
    private let words: PasswordWordIndex
    private let banned: Set<Character>

    /// Prepares the checks of `policy`.
    public init(policy: PasswordPolicy) {
        self.policy = policy
        requirements = policy.requirements
        banned = Set(policy.blacklistedCharacters)
        words = policy.dictionaryWords.isEmpty ? Self.defaultWordIndex : PasswordWordIndex(policy.dictionaryWords)
    }

    /// The enabled rules `password` breaks; empty means the password is valid.
    public func validate(_ password: String) -> [PasswordRequirement] {
        let candidate = Candidate(password)
        return requirements.filter { !fulfils($0.name, candidate) }
    }

    /// The password split into characters, and lower-cased as characters, scalars and UTF-8.
    private struct Candidate {
        let characters: [Character]
        let lowered: [Character]
        let loweredScalars: [Unicode.Scalar]
        let loweredUTF8: [UInt8]

        init(_ password: String) {
            let lower = password.lowercased()
            characters = Array(password)
            lowered = Array(lower)
            loweredScalars = Array(lower.unicodeScalars)
            loweredUTF8 = Array(lower.utf8)
        }
    }

    private func fulfils(_ rule: PasswordRuleName, _ p: Candidate) -> Bool {
        let n = policy.sequenceLength
        switch rule {
        case .whitespacesDeclined: return !p.characters.contains { $0.isWhitespace }
        case .alphabeticalSequenceDeclined: return !Self.hasSteppedRun(p.lowered, length: n, value: Self.asciiLetter)
        case .numericSequenceDeclined: return !Self.hasSteppedRun(p.lowered, length: n, value: Self.asciiDigit)
        case .keyboardSequenceDeclined:
            return !Self.keyboardPositions.contains { row in
                Self.hasSteppedRun(p.loweredScalars, length: n) { row[$0] }
            }
        case .blacklistedCharactersDeclined: return !p.characters.contains { banned.contains($0) }
        case .repeatedCharactersDeclined: return !Self.hasRepeat(p.lowered, length: n)
        case .dictionaryWordsDeclined: return !words.occurs(in: p.loweredUTF8)
        case .minimumLengthRequired: return p.characters.count >= policy.minimumLength
        case .maximumLengthRequired: return p.characters.count <= policy.maximumLength
        case .lettersRequired: return p.characters.contains { $0.isLetter }
        case .specialCharactersRequired: return p.characters.contains(where: Self.isSpecial)
        case .upperCaseRequired: return p.characters.contains { $0.isUppercase }
        case .lowerCaseRequired: return p.characters.contains { $0.isLowercase }
        case .digitsRequired: return p.characters.contains { $0.isWholeNumber }
        }
    }

    /// A special character is anything that is neither a letter, a digit, nor whitespace.
    static func isSpecial(_ c: Character) -> Bool {
        !c.isLetter && !c.isWholeNumber && !c.isWhitespace
    }

    private static func asciiLetter(_ c: Character) -> Int? {
        guard let ascii = c.asciiValue, ascii >= 97, ascii <= 122 else { return nil }
        return Int(ascii)
    }

    private static func asciiDigit(_ c: Character) -> Int? {
        guard let ascii = c.asciiValue, ascii >= 48, ascii <= 57 else { return nil }
        return Int(ascii)
    }

    /// Finds `length` consecutive characters whose values step by +1 throughout or by -1 throughout.
    private static func hasSteppedRun<T>(_ chars: [T], length: Int, value: (T) -> Int?) -> Bool {
        guard chars.count >= length else { return false }
        var up = 1
        var down = 1
        var previous: Int? = nil
        for c in chars {
            let current = value(c)
            if let current, let previous {
                up = current - previous == 1 ? up + 1 : 1
                down = current - previous == -1 ? down + 1 : 1
            } else {
                up = 1
                down = 1
            }
            if current != nil, max(up, down) >= length { return true }
            previous = current
        }
        return false
    }

    private static func hasRepeat(_ chars: [Character], length: Int) -> Bool {
        var run = 0
        var previous: Character? = nil
        for c in chars {
            run = (c == previous) ? run + 1 : 1
            if run >= length { return true }
            previous = c
        }
        return false
    }
}
