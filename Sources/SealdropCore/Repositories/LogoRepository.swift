import Foundation

/// The logo an administrator uploaded for mails and pages: checked bytes of one image.
public struct StoredLogo: Sendable, Equatable {
    /// `image/png` or `image/svg+xml`.
    public var mediaType: String
    public var bytes: [UInt8]
    public var uploadedBy: String
    public var uploadedAt: Date

    public init(mediaType: String, bytes: [UInt8], uploadedBy: String, uploadedAt: Date) {
        self.mediaType = mediaType
        self.bytes = bytes
        self.uploadedBy = uploadedBy
        self.uploadedAt = uploadedAt
    }
}

/// Where the one logo lives.
public protocol LogoRepository: Sendable {
    /// The stored logo, if any.
    func logo() async throws -> StoredLogo?
    /// Stores `logo` in place of any other.
    func saveLogo(_ logo: StoredLogo) async throws
    /// Removes the logo; false when there was none.
    func deleteLogo() async throws -> Bool
}
