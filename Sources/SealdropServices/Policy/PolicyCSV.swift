import Foundation
import SealdropCore

/// Policy rules as CSV in the product's column layout (`docs/policy.md`): `;`-separated, a header row of the
/// product's column names, one rule per line; lists (patterns, directory selections, networks) one item per line
/// inside a quoted cell. Columns Sealdrop has no setting for are written empty and ignored when read.
///
/// Import merges into existing rules: with `update`, a rule of the same name is updated (a blank cell keeps its
/// value, patterns are appended); without, a clashing name gets " (2)" (or the next free number). A file with one
/// bad line imports nothing: every bad line is reported with its number and reason.
public enum PolicyCSV {
    /// Largest file accepted.
    public static let maxSize = 1024 * 1024

    /// The product's columns, in its order.
    public static let columns = [
        "Rule name", "Rule type", "Sender pattern", "LDAP for sender pattern", "Sender network IPv4 pattern", "Sender network IPv6 pattern",
        "Recipient pattern", "LDAP for recipient pattern", "Transfer size", "Storage duration", "Show filenames", "Show filenames changeable",
        "Download notification", "Download notification changeable", "Show zip content", "Allow confidential message",
        "Force confidential message", "Allow notification editable", "Standard password modes", "QUICK password modes", "Access protection",
        "Security modes", "Quick Default If Established", "Signature", "Sender address", "Sender name", "Subject", "Mail format",
        "Mail encoding", "Mail image handling", "Log messages and subjects", "Log filenames", "Log zip content", "Pre-processing exit code",
        "Pre-processing command", "Pre-processing additional command arguments", "Pre-processing error output source",
        "Pre-processing search pattern", "Pre-processing replacement pattern", "Pre-processing file size limit behavior",
        "Pre-processing file size limit", "Pre-processing inform admin on failure", "Archiving active", "File type filter list",
    ]

    /// The switch behind each boolean column.
    static let switchColumns: [(String, String)] = [
        ("Show filenames", "showFileNamesDefault"), ("Show filenames changeable", "showFileNamesChangeable"),
        ("Download notification", "sendDownloadNotificationsDefault"), ("Download notification changeable", "sendDownloadNotificationsChangeable"),
        ("Show zip content", "showZipFileContentDefault"), ("Allow confidential message", "confidentialMessageAllowed"),
        ("Force confidential message", "confidentialMessageRequired"), ("Allow notification editable", "recipientNotificationEditable"),
        ("Log messages and subjects", "logSubjects"), ("Log filenames", "logFileNames"),
    ]

    /// One bad line of an import.
    public struct LineProblem: Error, Equatable, Sendable {
        public let line: Int
        public let message: String
    }

    // MARK: - Export

    /// `rules` as CSV text (CRLF line ends, as spreadsheet programs write).
    public static func export(_ rules: [PolicyRule], separator: Character = ";") -> String {
        var lines = [columns.map { cell($0, separator) }.joined(separator: String(separator))]
        for rule in rules {
            var values: [String: String] = [:]
            values["Rule name"] = rule.name
            values["Rule type"] = rule.action.rawValue
            values["Sender pattern"] = rule.sender.patterns.joined(separator: "\n")
            values["LDAP for sender pattern"] = rule.sender.ldap.joined(separator: "\n")
            values["Sender network IPv4 pattern"] = rule.sender.networks.filter { !$0.contains(":") }.joined(separator: "\n")
            values["Sender network IPv6 pattern"] = rule.sender.networks.filter { $0.contains(":") }.joined(separator: "\n")
            values["Recipient pattern"] = rule.recipient.patterns.joined(separator: "\n")
            values["LDAP for recipient pattern"] = rule.recipient.ldap.joined(separator: "\n")
            let s = rule.settings
            values["Transfer size"] = String(s.maxTotalSize / (1024 * 1024))
            values["Storage duration"] = String(s.maxRetentionPeriod)
            for (column, name) in switchColumns { values[column] = s[switch: name] ? "true" : "false" }
            values["Standard password modes"] = s.allowedPasswordModes.map(\.rawValue).joined(separator: ",")
            values["Security modes"] = s.securityModes.map(\.name).joined(separator: ",")
            values["Sender address"] = s.mailSenderAddress
            values["Sender name"] = s.mailSenderName
            values["Archiving active"] = s.archive.map { $0 ? "true" : "false" } ?? ""
            lines.append(columns.map { cell(values[$0] ?? "", separator) }.joined(separator: String(separator)))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// A cell, quoted when it holds the separator, a quote, a line break or leading/trailing space; a leading
    /// `=`, `+`, `-` or `@` gets a `'` so spreadsheet programs do not run it as a formula.
    static func cell(_ value: String, _ separator: Character) -> String {
        var v = value
        if let first = v.first, "=+-@".contains(first), !(first == "-" && v.dropFirst().allSatisfy(\.isNumber)) { v = "'" + v }
        guard v.contains(separator) || v.contains("\"") || v.contains("\n") || v.contains("\r") || v.hasPrefix(" ") || v.hasSuffix(" ") else { return v }
        return "\"" + v.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    // MARK: - Import

    /// `existing` with the rules of `data` merged in; throws every bad line (nothing is merged then).
    public static func importing(_ data: [UInt8], into existing: [PolicyRule], update: Bool, separator: Character = ";") throws(ImportFailure) -> [PolicyRule] {
        guard data.count <= maxSize else { throw ImportFailure([LineProblem(line: 0, message: "The file is larger than 1 MiB.")]) }
        var bytes = data[...]
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ImportFailure([LineProblem(line: 0, message: "The file is not UTF-8 text; save it as \"CSV UTF-8\".")])
        }
        let rows: [(line: Int, cells: [String])]
        do {
            rows = try parse(text, separator: separator)
        } catch {
            throw ImportFailure([error])
        }
        guard let header = rows.first else { throw ImportFailure([LineProblem(line: 1, message: "The file is empty.")]) }
        let names = header.cells.map { $0.trimmingCharacters(in: .whitespaces) }
        let unknown = names.filter { !columns.contains($0) }
        guard unknown.isEmpty else {
            throw ImportFailure([LineProblem(line: 1, message: "Unknown columns: \(unknown.prefix(5).map { "\"\($0.prefix(60))\"" }.joined(separator: ", ")). Is the separator \"\(separator)\"?")])
        }
        guard names.contains("Rule name") else { throw ImportFailure([LineProblem(line: 1, message: "The column \"Rule name\" is missing.")]) }
        var result = existing
        var problems: [LineProblem] = []
        for row in rows.dropFirst() where !row.cells.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
            guard row.cells.count == names.count else {
                problems.append(LineProblem(line: row.line, message: "\(row.cells.count) cells where the header has \(names.count)."))
                continue
            }
            var values: [String: String] = [:]
            for (name, value) in zip(names, row.cells) { values[name] = value.hasPrefix("'") ? String(value.dropFirst()) : value }
            let name = (values["Rule name"] ?? "").trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty else {
                problems.append(LineProblem(line: row.line, message: "The rule has no name."))
                continue
            }
            let index = update ? result.firstIndex { $0.name.caseInsensitiveCompare(name) == .orderedSame } : nil
            var rule = index.map { result[$0] } ?? PolicyRule(name: name)
            do {
                try apply(values, to: &rule)
            } catch {
                problems.append(LineProblem(line: row.line, message: error.message))
                continue
            }
            if let index {
                result[index] = rule
            } else {
                rule.name = PolicyRules.freeName(name, in: result)
                result.append(rule)
            }
            var check = PolicyRules(rules: [rule])
            check.rules[0].name = "x"
            if let problem = check.problems().first {
                problems.append(LineProblem(line: row.line, message: problem.message))
            }
        }
        guard problems.isEmpty else { throw ImportFailure(problems) }
        return result
    }

    /// Every bad line of a refused import.
    public struct ImportFailure: Error, Sendable {
        public let problems: [LineProblem]
        init(_ problems: [LineProblem]) { self.problems = problems }

        /// The bad lines as the admin interface shows problems: `line N` and the reason.
        public var adminError: AdminError { .invalid(problems.map { FieldProblem("line \($0.line)", $0.message) }) }
    }

    /// Sets the cells that are not blank; list cells are appended to the rule's lists.
    static func apply(_ values: [String: String], to rule: inout PolicyRule) throws(LineProblem) {
        func value(_ column: String) -> String? {
            let v = (values[column] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            return v.isEmpty ? nil : v
        }
        func list(_ column: String) -> [String] {
            (value(column) ?? "").split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        func problem(_ column: String, _ text: String) -> LineProblem { LineProblem(line: 0, message: "\(column): \(text)") }
        if let type = value("Rule type") {
            guard let action = PolicyRule.Action(rawValue: type.lowercased()) else { throw problem("Rule type", "\(type.prefix(40)) is not allow or decline.") }
            rule.action = action
        }
        rule.sender.patterns += list("Sender pattern")
        rule.sender.ldap += list("LDAP for sender pattern")
        rule.sender.networks += list("Sender network IPv4 pattern") + list("Sender network IPv6 pattern")
        rule.recipient.patterns += list("Recipient pattern")
        rule.recipient.ldap += list("LDAP for recipient pattern")
        if let size = value("Transfer size") {
            guard let mib = Int64(size), (1...(1 << 30)).contains(mib) else { throw problem("Transfer size", "\(size.prefix(40)) is not a size in MiB.") }
            rule.settings.maxTotalSize = mib * 1024 * 1024
        }
        if let days = value("Storage duration") {
            guard let number = Int(days), (1...3650).contains(number) else { throw problem("Storage duration", "\(days.prefix(40)) is not a number of days from 1 to 3650.") }
            rule.settings.maxRetentionPeriod = number
        }
        for (column, name) in switchColumns {
            guard let text = value(column) else { continue }
            switch text.lowercased() {
            case "true", "yes", "1": rule.settings[switch: name] = true
            case "false", "no", "0": rule.settings[switch: name] = false
            default: throw problem(column, "\(text.prefix(40)) is not true or false.")
            }
        }
        if let modes = value("Standard password modes") {
            var parsed: [PasswordMode] = []
            for item in modes.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces).uppercased() }) where !item.isEmpty {
                guard let mode = PasswordMode(rawValue: item) else { throw problem("Standard password modes", "\(item.prefix(40)) is not GENERATED, MANUAL or NONE.") }
                parsed.append(mode)
            }
            rule.settings.securityModes = [RuleSettings.SecurityMode(allowedPasswordModes: parsed)]
        }
        if let address = value("Sender address") { rule.settings.mailSenderAddress = address }
        if let name = value("Sender name") { rule.settings.mailSenderName = name }
        // Empty: the archive's default (`archive.enabled`).
        if let text = value("Archiving active") {
            switch text.lowercased() {
            case "true", "yes", "1": rule.settings.archive = true
            case "false", "no", "0": rule.settings.archive = false
            default: throw problem("Archiving active", "\(text.prefix(40)) is not true or false (or empty for the archive's default).")
            }
        }
    }

    /// RFC 4180 rows with their first line number; a quote left open is a problem naming its line.
    static func parse(_ text: String, separator: Character) throws(LineProblem) -> [(line: Int, cells: [String])] {
        var rows: [(Int, [String])] = []
        var cells: [String] = []
        var field = ""
        var quoted = false
        var line = 1, rowStart = 1
        var chars = text.makeIterator()
        var pending: Character? = nil
        func next() -> Character? {
            if let p = pending { pending = nil; return p }
            return chars.next()
        }
        while let c = next() {
            if quoted {
                if c == "\"" {
                    if let after = next() {
                        if after == "\"" { field.append("\"") } else { quoted = false; pending = after }
                    } else {
                        quoted = false
                    }
                } else {
                    if c == "\n" || c == "\r\n" { line += 1 }
                    field.append(c)
                }
            } else if c == "\"" && field.isEmpty {
                quoted = true
            } else if c == separator {
                cells.append(field)
                field = ""
            } else if c == "\n" || c == "\r\n" || c == "\r" {
                cells.append(field)
                rows.append((rowStart, cells))
                cells = []
                field = ""
                line += 1
                rowStart = line
            } else {
                field.append(c)
            }
        }
        if quoted { throw LineProblem(line: rowStart, message: "A quoted cell is never closed.") }
        if !field.isEmpty || !cells.isEmpty {
            cells.append(field)
            rows.append((rowStart, cells))
        }
        return rows
    }
}
