/// What a ZIP file holds, as the mails list it under the file when the transfer shows ZIP content
/// (`showZipFileContent`): the first entry names, cleaned and bounded at finalize, and how many more there are.
///
/// Computed once at finalize, while the transfer key is at hand, and stored with the file: afterwards the
/// server can no longer read the file (its key is wrapped with the password).
public struct ZipListing: Sendable, Equatable, Codable {
    /// Entry names (paths inside the archive), in central-directory order.
    public var names: [String]
    /// File entries beyond `names`.
    public var more: Int

    public init(names: [String], more: Int) {
        self.names = names
        self.more = more
    }
}
