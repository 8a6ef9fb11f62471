import Foundation
@testable import SealdropHTTP
import SealdropCore
import Testing

/// The merged texts of uploaded language packs: merged once per stored pack, merged again when it changes.
@Suite struct PackTextsTests {
    static let english = ["send": "Send", "receive": "Receive"]

    static func pack(_ web: [String: String], version: String = "1.0", uploadedAt: Date) -> StoredLanguagePack {
        StoredLanguagePack(locale: "fr-FR", displayName: "Français", version: version, lastChange: nil, files: ["web.json": web],
                           uploadedBy: "admin", uploadedAt: uploadedAt)
    }

    @Test func aStoredPackIsMergedOnceAndAgainWhenReplaced() {
        let cache = PackTexts(), first = Date(timeIntervalSince1970: 1_000)
        let merged = cache.texts(of: Self.pack(["send": "Envoyer", "unknown": "x"], uploadedAt: first), english: Self.english)
        #expect(merged == ["send": "Envoyer", "receive": "Receive"])
        // Same stored pack (same upload time and version): the merged copy is served, not merged again.
        let again = cache.texts(of: Self.pack(["send": "changed behind the cache's back"], uploadedAt: first), english: Self.english)
        #expect(again["send"] == "Envoyer")
        // A new upload replaces it.
        let replaced = cache.texts(of: Self.pack(["receive": "Recevoir"], version: "1.1", uploadedAt: first.addingTimeInterval(60)), english: Self.english)
        #expect(replaced == ["send": "Send", "receive": "Recevoir"])
    }
}
