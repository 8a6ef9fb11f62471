import Foundation
import SealdropCore
@testable import SealdropServices
import Testing

/// Policy rules as CSV: round trip in the product's columns, merging by name, and imports that refuse every bad line.
@Suite struct PolicyCSVTests {
    static func rules() -> [PolicyRule] {
        var settings = RuleSettings()
        settings.maxTotalSize = 2000 * 1024 * 1024
        settings.maxRetentionPeriod = 30
        settings.showFileNamesDefault = false
        settings.securityModes = [.init(allowedPasswordModes: [.manual, .generated])]
        settings.mailSenderName = "Legal; \"Department\""
        settings.archive = true
        var unarchived = RuleSettings()
        unarchived.archive = false
        return [
            PolicyRule(name: "Internal to anyone", sender: .init(patterns: ["example.com", "/^[a-z]+@(x|y)\\.example$/"],
                                                                 ldap: ["group:CN=Staff,DC=example,DC=com"], networks: ["10.0.0.0/8", "2001:db8::/32"]),
                       settings: settings),
            PolicyRule(name: "=cmd|' /C calc'!A0", action: .decline, recipient: .init(patterns: ["rival.example"])),
            PolicyRule(name: "Partners, not archived", recipient: .init(patterns: ["partner.example"]), settings: unarchived),
            PolicyRule(name: "Archive default", recipient: .init(patterns: ["other.example"])),
        ]
    }

    @Test func exportThenImportGivesTheSameRules() throws {
        let csv = PolicyCSV.export(Self.rules())
        #expect(csv.hasPrefix("Rule name;Rule type;Sender pattern;"))
        #expect(csv.contains("\"Legal; \"\"Department\"\"\""))
        #expect(csv.contains("'=cmd"), "a formula-looking cell is defused for spreadsheet programs")
        let imported = try PolicyCSV.importing(Array(csv.utf8), into: [], update: false)
        #expect(imported == Self.rules())
        // Another separator, and a BOM as spreadsheet programs write it.
        let comma = PolicyCSV.export(Self.rules(), separator: ",")
        #expect(try PolicyCSV.importing([0xEF, 0xBB, 0xBF] + Array(comma.utf8), into: [], update: false, separator: ",") == Self.rules())
    }

    @Test func updateMergesByNameAndOtherwiseNamesAreMadeUnique() throws {
        let header = "Rule name;Rule type;Sender pattern;Transfer size;Show filenames\n"
        let line = "internal to anyone;;partner.example;;true\n"
        let updated = try PolicyCSV.importing(Array((header + line).utf8), into: Self.rules(), update: true)
        #expect(updated.count == Self.rules().count)
        #expect(updated[0].sender.patterns == ["example.com", "/^[a-z]+@(x|y)\\.example$/", "partner.example"], "patterns are appended")
        #expect(updated[0].settings.maxTotalSize == 2000 * 1024 * 1024, "a blank cell keeps the value")
        #expect(updated[0].settings.showFileNamesDefault)
        #expect(updated[0].settings.archive == true, "a blank cell keeps the archive setting")
        let added = try PolicyCSV.importing(Array((header + line + line).utf8), into: Self.rules(), update: false)
        #expect(added.map(\.name).suffix(2) == ["internal to anyone (2)", "internal to anyone (3)"])
    }

    @Test func oneBadLineImportsNothingAndEveryBadLineIsNamed() {
        let csv = """
            Rule name;Rule type;Sender pattern;Sender network IPv4 pattern;Transfer size;Show filenames;Standard password modes
            ok;allow;example.com;;100;true;GENERATED
            bad type;maybe;;;;;
            ;allow;;;;;
            bad regex;allow;/(a+)+$/;;;;
            bad net;allow;;10.0.0.0/40;;;
            bad size;allow;;;lots;;
            bad switch;allow;;;;sometimes;
            bad mode;allow;;;;;QUICK
            short;allow

            """
        #expect { try PolicyCSV.importing(Array(csv.utf8), into: [], update: false) } throws: { error in
            let lines = (error as? PolicyCSV.ImportFailure)?.problems.map(\.line) ?? []
            return lines == [3, 4, 5, 6, 7, 8, 9, 10]
        }
    }

    @Test(arguments: [
        (Array("Name;Type\nx;allow\n".utf8), "Unknown columns"),
        (Array("Rule type\nallow\n".utf8), "\"Rule name\" is missing"),
        ([0xFF, 0xFE, 0x52, 0x00], "not UTF-8"),
        (Array("Rule name\n\"never closed\n".utf8), "never closed"),
        ([UInt8](repeating: 0x41, count: 1024 * 1024 + 1), "larger than 1 MiB"),
    ])
    func malformedFilesAreRefusedWithAReason(_ data: [UInt8], _ reason: String) {
        #expect { try PolicyCSV.importing(data, into: [], update: false) } throws: { error in
            (error as? PolicyCSV.ImportFailure)?.problems.first?.message.contains(reason) == true
        }
    }
}
