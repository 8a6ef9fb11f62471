/// Where the parts of a backup come from in the live data dir, and where they go inside a backup (and a restored
/// data dir): the layout of a default data dir.
public struct BackupSources: Sendable, Equatable {
    /// The live SQLite database file.
    public var databasePath: String
    /// The live `server.key`.
    public var serverKeyPath: String
    /// The committed blobs: `<tracking id>/<file id>.blob` below it.
    public var blobDirectory: String
    /// The archive spool: a folder per queued archive copy.
    public var spoolDirectory: String
    /// The operator's mail template overrides.
    public var templatesDirectory: String

    public init(databasePath: String, serverKeyPath: String, blobDirectory: String, spoolDirectory: String, templatesDirectory: String) {
        self.databasePath = databasePath
        self.serverKeyPath = serverKeyPath
        self.blobDirectory = blobDirectory
        self.spoolDirectory = spoolDirectory
        self.templatesDirectory = templatesDirectory
    }

    /// The database inside a backup and a restored data dir.
    public static let database = "sealdrop.sqlite"
    public static let serverKey = "server.key"
    /// Committed blobs, as `FileBlobStore` lays them out below the data dir.
    public static let blobs = "store/blobs"
    public static let spool = "archive-spool"
    public static let templates = "templates"
}
