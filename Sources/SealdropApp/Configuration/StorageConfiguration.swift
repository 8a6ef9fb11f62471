/// Where the server keeps its state: the data directory and the database.
public struct StorageConfiguration: Sendable, Equatable {
    /// `SEALDROP_DATA_DIR` / `dataDir`, made absolute: server key, blobs, captured mail, TLS files, mail templates.
    /// Default `/var/lib/sealdrop`, with `--dev` `./sealdrop-data`.
    public var dataDirectory: String
    /// `SEALDROP_DATABASE_URL` / `databaseURL`; only `sqlite:PATH` in this release. Default `sqlite:<data dir>/sealdrop.sqlite`.
    public var databaseURL: String

    public init(dataDirectory: String, databaseURL: String) {
        self.dataDirectory = dataDirectory
        self.databaseURL = databaseURL
    }

    /// The SQLite file path of `databaseURL`.
    public var sqlitePath: String { String(databaseURL.dropFirst("sqlite:".count)) }
    /// The server key file (created on first start).
    public var serverKeyPath: String { dataDirectory + "/server.key" }
    /// The directory of the encrypted blobs.
    public var blobDirectory: String { dataDirectory + "/store" }
}
