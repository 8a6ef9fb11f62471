/// The names of the password rules exactly as the Cryptshare REST API spells them (`spec/rest-api.md` §5.3).
public enum PasswordRuleName: String, Codable, Sendable, CaseIterable {
    case whitespacesDeclined
    case alphabeticalSequenceDeclined
    case numericSequenceDeclined
    case keyboardSequenceDeclined
    case blacklistedCharactersDeclined
    case repeatedCharactersDeclined
    case dictionaryWordsDeclined
    case minimumLengthRequired
    case maximumLengthRequired
    case lettersRequired
    case specialCharactersRequired
    case upperCaseRequired
    case lowerCaseRequired
    case digitsRequired
}
