import Foundation

/// A language pack an administrator uploaded, as stored: the manifest and the string files it carried.
public struct StoredLanguagePack: Sendable, Equatable {
    /// BCP 47 tag as the manifest gave it, e.g. `fr-FR`.
    public var locale: String
    /// The language's name in that language; the locale when the manifest named none.
    public var displayName: String
    /// `major.minor`.
    public var version: String
    public var lastChange: Date?
    /// String files by path inside the ZIP (`web.json`, `products/outlook/messages.json`), each key → text.
    public var files: [String: [String: String]]
    public var uploadedBy: String
    public var uploadedAt: Date

    public init(locale: String, displayName: String, version: String, lastChange: Date?, files: [String: [String: String]],
                uploadedBy: String, uploadedAt: Date) {
        self.locale = locale
        self.displayName = displayName
        self.version = version
        self.lastChange = lastChange
        self.files = files
        self.uploadedBy = uploadedBy
        self.uploadedAt = uploadedAt
    }
}

/// Where uploaded language packs live; one pack per locale.
public protocol LanguagePackRepository: Sendable {
    /// Every stored pack, by locale.
    func languagePacks() async throws -> [StoredLanguagePack]
    /// Stores `pack`, replacing the pack of the same locale.
    func saveLanguagePack(_ pack: StoredLanguagePack) async throws
    /// Removes the pack of `locale`; false when there was none.
    func deleteLanguagePack(locale: String) async throws -> Bool
}
