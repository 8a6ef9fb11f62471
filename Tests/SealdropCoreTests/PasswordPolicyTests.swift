import Foundation
import Testing

@testable import SealdropCore

@Suite struct PasswordPolicyTests {
    let policy = PasswordPolicy()

    private func broken(_ password: String, _ policy: PasswordPolicy = PasswordPolicy()) -> Set<PasswordRuleName> {
        Set(policy.validate(password).map(\.name))
    }

    @Test func ruleNamesMatchTheRESTSpelling() {
        #expect(PasswordRuleName.allCases.map(\.rawValue) == [
            "whitespacesDeclined", "alphabeticalSequenceDeclined", "numericSequenceDeclined",
            "keyboardSequenceDeclined", "blacklistedCharactersDeclined", "repeatedCharactersDeclined",
            "dictionaryWordsDeclined", "minimumLengthRequired", "maximumLengthRequired", "lettersRequired",
            "specialCharactersRequired", "upperCaseRequired", "lowerCaseRequired", "digitsRequired",
        ])
    }

    @Test func strongPasswordIsValid() {
        #expect(policy.validate("Tq7#mW2%vR9k").isEmpty)
        #expect(policy.validate("Zürich+Fjord8").isEmpty)
    }

    @Test func eachRuleIsDetected() {
        #expect(broken("Tq7#m W2%vR9k") == [.whitespacesDeclined])
        #expect(broken("Tq7#mW2%xYzk") == [.alphabeticalSequenceDeclined])
        #expect(broken("Tq7#mW2%CbAk") == [.alphabeticalSequenceDeclined])
        #expect(broken("Tq7#mW2%v012") == [.numericSequenceDeclined])
        #expect(broken("Tq7#mW2%v210") == [.numericSequenceDeclined])
        #expect(broken("Tq7#mW2%v987") == [.numericSequenceDeclined, .keyboardSequenceDeclined])
        #expect(broken("Tq7#mW2%vAsD") == [.keyboardSequenceDeclined])
        #expect(broken("Tq7#mW2%vTzU") == [.keyboardSequenceDeclined])
        #expect(broken("Tq7#mW2%vMnB") == [.keyboardSequenceDeclined])
        #expect(broken("Tq7#mW2%vbBbk") == [.repeatedCharactersDeclined])
        #expect(broken("Tq7#mW2%SoMMer") == [.dictionaryWordsDeclined])
        #expect(broken("xPASSWORTx7#") == [.dictionaryWordsDeclined])
        #expect(broken("Tq7#mW2") == [.minimumLengthRequired])
        #expect(broken(String(repeating: "Tq7#mW2%", count: 9)) == [.maximumLengthRequired])
        #expect(broken("72#%95!+82") == [.lettersRequired, .upperCaseRequired, .lowerCaseRequired])
        #expect(broken("Tq7xmW2yvR9k") == [.specialCharactersRequired])
        #expect(broken("tq7#mw2%vr9k") == [.upperCaseRequired])
        #expect(broken("TQ7#MW2%VR9K") == [.lowerCaseRequired])
        #expect(broken("Tqx#mWy%vRzk") == [.digitsRequired])
    }

    @Test func digitRowCountsAsKeyboardButNotNumericAcrossZero() {
        #expect(broken("Tq7#mW2%v890") == [.keyboardSequenceDeclined])
    }

    @Test func sequenceLengthIsConfigurable() {
        var relaxed = PasswordPolicy()
        relaxed.sequenceLength = 4
        #expect(broken("Tq7#mW2%vabck", relaxed).isEmpty)
        #expect(broken("Tq7#mW2%vabcd", relaxed) == [.alphabeticalSequenceDeclined])
        #expect(broken("Tq7#mW2%vaaak", relaxed).isEmpty)
    }

    @Test func blacklistIsActiveOnlyWhenNonEmpty() {
        #expect(!policy.requirements.map(\.name).contains(.blacklistedCharactersDeclined))
        var strict = PasswordPolicy()
        strict.blacklistedCharacters = "%§"
        #expect(broken("Tq7#mW2%vR9k", strict) == [.blacklistedCharactersDeclined])
        #expect(broken("Tq7#mW2!vR9k", strict).isEmpty)
    }

    @Test func customDictionaryReplacesBuiltInAndIgnoresShortWords() {
        var custom = PasswordPolicy()
        custom.dictionaryWords = ["Fjord", "abc"]
        #expect(broken("Tq7#mW2%SoMMer", custom).isEmpty)
        #expect(broken("Zürich+FJORD8", custom) == [.dictionaryWordsDeclined])
    }

    @Test func builtInWordsAreLowerCaseAndLongEnough() {
        #expect(PasswordDictionary.defaultWords.count >= 200)
        for word in PasswordDictionary.defaultWords {
            #expect(word == word.lowercased())
            #expect(word.count >= PasswordDictionary.minimumWordLength)
        }
        #expect(Set(PasswordDictionary.defaultWords).isSuperset(of: ["password", "passwort", "sommer", "geheim", "admin"]))
    }

    @Test func disabledRulesAreNeitherListedNorChecked() {
        var lax = PasswordPolicy()
        lax.specialCharactersRequired = false
        lax.digitsRequired = false
        #expect(!lax.requirements.map(\.name).contains(.digitsRequired))
        #expect(broken("Tqx#mWy%vRzk", lax).isEmpty)
        #expect(broken("TqxAmWyBvRzk", lax).isEmpty)
    }

    @Test func requirementsEncodeWithDetails() throws {
        let data = try JSONEncoder().encode(policy.requirements)
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]])
        let byName = Dictionary(uniqueKeysWithValues: json.map { ($0["name"] as! String, $0["details"] as! [String: Any]) })
        #expect(byName.count == 13)
        #expect(byName["minimumLengthRequired"]?["length"] as? Int == 8)
        #expect(byName["maximumLengthRequired"]?["length"] as? Int == 64)
        #expect(byName["keyboardSequenceDeclined"]?["length"] as? Int == 3)
        #expect(byName["digitsRequired"]?.isEmpty == true)

        var strict = PasswordPolicy()
        strict.blacklistedCharacters = "<>"
        let rule = try #require(strict.requirements.first { $0.name == .blacklistedCharactersDeclined })
        let encoded = String(decoding: try JSONEncoder().encode(rule), as: UTF8.self)
        #expect(encoded.contains(#""characters":"<>""#))
        #expect(try JSONDecoder().decode(PasswordRequirement.self, from: Data(encoded.utf8)) == rule)
    }

    @Test func decodingFillsMissingKeysWithDefaults() throws {
        let partial = #"{"minimumLength": 10, "digitsRequired": false, "dictionaryWords": ["Acme"]}"#
        let decoded = try JSONDecoder().decode(PasswordPolicy.self, from: Data(partial.utf8))
        var expected = PasswordPolicy()
        expected.minimumLength = 10
        expected.digitsRequired = false
        expected.dictionaryWords = ["Acme"]
        #expect(decoded == expected)
        #expect(try JSONDecoder().decode(PasswordPolicy.self, from: Data("{}".utf8)) == PasswordPolicy())
        let roundTrip = try JSONDecoder().decode(PasswordPolicy.self, from: JSONEncoder().encode(expected))
        #expect(roundTrip == expected)
    }

    @Test func decodingRejectsContradictoryLengths() {
        for json in [#"{"minimumLength": 0}"#, #"{"minimumLength": 20, "maximumLength": 10}"#, #"{"sequenceLength": 1}"#] {
            #expect(throws: DecodingError.self) {
                try JSONDecoder().decode(PasswordPolicy.self, from: Data(json.utf8))
            }
        }
    }
}
