/// The update check's process configuration (`docs/updates.md`).
public struct UpdateConfiguration: Sendable, Equatable {
    /// The project's release manifest.
    public static let defaultURL = "https://updates.sealdrop.org/v1/manifest.json"

    /// `SEALDROP_UPDATE_URL`: the manifest's https URL; nil when set to `off`. Default `defaultURL`.
    public var url: String? = UpdateConfiguration.defaultURL
    /// `SEALDROP_UPDATE_KEYS`: raw 32-byte Ed25519 public keys trusted beside the built-in ones. Default none.
    public var additionalKeys: [[UInt8]] = []

    public init(url: String? = UpdateConfiguration.defaultURL, additionalKeys: [[UInt8]] = []) {
        self.url = url
        self.additionalKeys = additionalKeys
    }
}
