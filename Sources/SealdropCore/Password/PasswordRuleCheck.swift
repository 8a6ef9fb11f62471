/// Evaluates single password rules against one candidate password (characters are grapheme clusters).
struct PasswordRuleCheck {
    /// Keyboard rows of QWERTY and QWERTZ layouts; sequences are windows of these, forwards or backwards.
    static let keyboardRows = [
        "1234567890", "qwertyuiop", "qwertzuiopü", "asdfghjkl", "asdfghjklöä", "zxcvbnm", "yxcvbnm",
    ]

    private let characters: [Character]
    private let lowered: [Character]
    private let loweredString: String

    init(password: String) {
        characters = Array(password)
        loweredString = password.lowercased()
        lowered = characters.map { Character($0.lowercased()) }
    }

    /// Whether the password satisfies `rule` with the parameters of `policy`.
    func fulfils(_ rule: PasswordRuleName, policy: PasswordPolicy) -> Bool {
        let n = policy.sequenceLength
        switch rule {
        case .whitespacesDeclined: return !characters.contains { $0.isWhitespace }
        case .alphabeticalSequenceDeclined: return !hasSteppedRun(length: n, of: Self.asciiLetterValue)
        case .numericSequenceDeclined: return !hasSteppedRun(length: n, of: Self.asciiDigitValue)
        case .keyboardSequenceDeclined: return !hasKeyboardRun(length: n)
        case .blacklistedCharactersDeclined:
            let banned = Set(policy.blacklistedCharacters)
            return !characters.contains { banned.contains($0) }
        case .repeatedCharactersDeclined: return !hasRepeat(length: n)
        case .dictionaryWordsDeclined: return !policy.effectiveDictionaryWords.contains { loweredString.contains($0) }
        case .minimumLengthRequired: return characters.count >= policy.minimumLength
        case .maximumLengthRequired: return characters.count <= policy.maximumLength
        case .lettersRequired: return characters.contains { $0.isLetter }
        case .specialCharactersRequired: return characters.contains(where: Self.isSpecial)
        case .upperCaseRequired: return characters.contains { $0.isUppercase }
        case .lowerCaseRequired: return characters.contains { $0.isLowercase }
        case .digitsRequired: return characters.contains { $0.isWholeNumber }
        }
    }

    /// A special character is anything that is neither a letter, a digit, nor whitespace.
    static func isSpecial(_ c: Character) -> Bool {
        !c.isLetter && !c.isWholeNumber && !c.isWhitespace
    }

    private static func asciiLetterValue(_ c: Character) -> Int? {
        guard let ascii = c.asciiValue, ascii >= 97, ascii <= 122 else { return nil }
        return Int(ascii)
    }

    private static func asciiDigitValue(_ c: Character) -> Int? {
        guard let ascii = c.asciiValue, ascii >= 48, ascii <= 57 else { return nil }
        return Int(ascii)
    }

    /// Finds `length` consecutive characters whose values step by +1 or by -1 (`abc`, `cba`, `456`).
    private func hasSteppedRun(length: Int, of value: (Character) -> Int?) -> Bool {
        guard lowered.count >= length else { return false }
        for step in [1, -1] {
            var run = 1
            var previous: Int? = nil
            for c in lowered {
                let current = value(c)
                if let current, let previous, current - previous == step {
                    run += 1
                } else {
                    run = 1
                }
                if current != nil, run >= length { return true }
                previous = current
            }
        }
        return false
    }

    private func hasKeyboardRun(length: Int) -> Bool {
        guard lowered.count >= length else { return false }
        for row in Self.keyboardRows {
            let keys = Array(row)
            guard keys.count >= length else { continue }
            for direction in [keys, keys.reversed()] {
                for start in 0...(direction.count - length) {
                    let window = String(direction[start..<(start + length)])
                    if loweredString.contains(window) { return true }
                }
            }
        }
        return false
    }

    private func hasRepeat(length: Int) -> Bool {
        var run = 0
        var previous: Character? = nil
        for c in lowered {
            run = (c == previous) ? run + 1 : 1
            if run >= length { return true }
            previous = c
        }
        return false
    }
}
