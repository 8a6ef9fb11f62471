import Foundation
import Testing

/// Pages and mails render typed models and JSON answers are `Encodable` values (docs/architecture.md): `[String: Any]`
/// may appear only where the shape is genuinely data, in the files listed here with the reason.
@Suite struct UntypedValuesTests {
    /// Files (relative to `Sources/`) that may use `[String: Any]`, and why.
    static let allowed: [String: String] = [
        "SealdropHTTP/Admin/SettingsSections.swift": "settings patches and form values are addressed by dotted keys of the settings document",
        "SealdropHTTP/Admin/MailSettingsForm.swift": "returns a settings patch",
        "SealdropHTTP/Admin/AdminSettingsController.swift": "builds settings patches (legal texts) and reads form values by dotted key",
        "SealdropHTTP/Admin/AdminBrandingController.swift": "reads the branding form's settings patch",
        "SealdropHTTP/Admin/AdminAPIController.swift": "reads a settings patch, any subset of the settings document, from the request body",
        "SealdropHTTP/Admin/AdminArchiveAPI.swift": "reads unsaved archive settings (a settings patch) and stores a generated key as a patch",
        "SealdropServices/Admin/RuntimeSettings.swift": "merges, flattens and decodes settings patches",
        "SealdropServices/Languages/LanguagePackService.swift": "validates uploaded JSON string files value by value: their keys are data",
        "SealdropServices/Admin/SettingsSecrets.swift": "seals the relay password inside the stored settings document",
        "SealdropApp/Configuration/ConfigurationLoader.swift": "reads the `settings` member of the config file as a patch",
        "SealdropServices/SystemLog/SystemLogLine.swift": "reads log lines whose metadata keys are whatever each event logged",
        "SealdropServices/Updates/UpdateManifest.swift": "checks an untrusted release manifest member by member, so each refusal names the member",
    ]

    /// `Sources/`, found from this file's place in the repository.
    static var sources: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources")
    }

    @Test func untypedDictionariesOnlyWhereTheShapeIsData() throws {
        let root = Self.sources
        let files = try #require(FileManager.default.enumerator(atPath: root.path)).compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") }
        #expect(files.count > 100, "found the sources at \(root.path)")
        var seen: Set<String> = []
        for file in files {
            let text = try String(contentsOf: root.appendingPathComponent(file), encoding: .utf8)
            guard text.contains("[String: Any]") else { continue }
            seen.insert(file)
            if Self.allowed[file] == nil {
                Issue.record("Sources/\(file) uses [String: Any]: give the page a model struct or the JSON answer an Encodable type (JSONResponse)")
            }
        }
        // A file that no longer needs the exception leaves the list, so it cannot come back unnoticed.
        for file in Self.allowed.keys where !seen.contains(file) {
            Issue.record("Sources/\(file) no longer uses [String: Any]; remove it from UntypedValuesTests.allowed")
        }
    }

    @Test func pagesAndJSONAnswersAreTyped() throws {
        let root = Self.sources.appendingPathComponent("SealdropHTTP")
        for folder in ["Web", "API", "Server", "Support"] {
            let directory = root.appendingPathComponent(folder)
            let files = try #require(FileManager.default.enumerator(atPath: directory.path)).compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") }
            for file in files where try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8).contains("[String: Any]") {
                Issue.record("Sources/SealdropHTTP/\(folder)/\(file) uses [String: Any]")
            }
        }
    }
}
