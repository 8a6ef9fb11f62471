import Foundation
import Testing

/// The HTTP surfaces reach storage, mail and cryptography only through services (docs/architecture.md):
/// no file under `Sources/SealdropHTTP` may import the SQLite store, the SMTP client or the crypto module.
@Suite struct ModuleBoundaryTests {
    /// Modules only the composition root (`SealdropApp`) and the services may import.
    static let forbidden = ["SealdropStore", "SMTPClient", "SealdropCrypto"]

    /// `Sources/SealdropHTTP`, found from this file's place in the repository.
    static var httpSources: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/SealdropHTTP")
    }

    /// The module an `import` line names (any attributes, access level or `import struct M.T` form), or nil.
    static func importedModule(_ line: String) -> String? {
        let pattern = #"^\s*(?:@[\w]+(?:\([^)]*\))?\s+)*(?:(?:public|package|internal|fileprivate|private)\s+)?import\s+(?:(?:typealias|struct|class|enum|protocol|let|var|func)\s+)?([A-Za-z_][A-Za-z0-9_]*)"#
        guard let regex = try? NSRegularExpression(pattern: pattern),
              let match = regex.firstMatch(in: line, range: NSRange(line.startIndex..., in: line)),
              let range = Range(match.range(at: 1), in: line) else { return nil }
        return String(line[range])
    }

    @Test func importLinesAreRecognised() {
        #expect(Self.importedModule("import SealdropStore") == "SealdropStore")
        #expect(Self.importedModule("@testable import SMTPClient") == "SMTPClient")
        #expect(Self.importedModule("internal import SealdropCrypto") == "SealdropCrypto")
        #expect(Self.importedModule("@_implementationOnly import SealdropStore") == "SealdropStore")
        #expect(Self.importedModule("import struct SealdropStore.SealdropDatabase") == "SealdropStore")
        #expect(Self.importedModule("// import SealdropStore") == nil)
    }

    /// Every module of ours (a directory under `Sources`) and the modules of ours each may import: the
    /// domain and the libraries below it stay free of services, surfaces and backends.
    static let allowedOwnImports: [String: Set<String>] = [
        "SealdropCore": [],
        "SealdropFormats": ["SealdropCore"],
        "SealdropCrypto": ["SealdropCore"],
        "SMTPClient": [],
        "LDAPClient": [],
        "SSHClient": [],
        // The executable calls the composition root and nothing else.
        "sealdrop": ["SealdropApp"],
    ]

    /// The modules of ours, as the directories under `Sources`.
    static var ownModules: Set<String> {
        let sources = httpSources.deletingLastPathComponent()
        return Set((try? FileManager.default.contentsOfDirectory(atPath: sources.path)) ?? [])
    }

    @Test func domainAndLibrariesImportOnlyWhatIsBelowThem() throws {
        let sources = Self.httpSources.deletingLastPathComponent()
        let own = Self.ownModules
        #expect(own.isSuperset(of: Self.allowedOwnImports.keys), "found the modules under \(sources.path)")
        for (module, allowed) in Self.allowedOwnImports {
            let root = sources.appendingPathComponent(module)
            let files = try #require(FileManager.default.enumerator(atPath: root.path)).compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") }
            for file in files {
                let text = try String(contentsOf: root.appendingPathComponent(file), encoding: .utf8)
                for line in text.split(separator: "\n") {
                    if let imported = Self.importedModule(String(line)), own.contains(imported), !allowed.contains(imported) {
                        Issue.record("Sources/\(module)/\(file) imports \(imported); \(module) may import only \(allowed.sorted())")
                    }
                }
            }
        }
    }

    @Test func httpImportsNeitherStoreNorSMTPNorCrypto() throws {
        let root = Self.httpSources
        let files = try #require(FileManager.default.enumerator(atPath: root.path)).compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") }
        #expect(files.count > 20, "found the SealdropHTTP sources at \(root.path)")
        for file in files {
            let text = try String(contentsOf: root.appendingPathComponent(file), encoding: .utf8)
            for line in text.split(separator: "\n") {
                if let module = Self.importedModule(String(line)), Self.forbidden.contains(module) {
                    Issue.record("Sources/SealdropHTTP/\(file) imports \(module); reach it through a service in SealdropServices instead")
                }
            }
        }
    }
}
