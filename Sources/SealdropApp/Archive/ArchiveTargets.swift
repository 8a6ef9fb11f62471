import SealdropCore
import SealdropServices

/// The archive connectors this build offers, by the connector named in the settings.
enum ArchiveTargets {
    /// Local directory, SFTP and SCP.
    static func all() -> [ArchiveSettings.Connector: any ArchiveTarget] {
        [.local: LocalArchiveTarget(), .sftp: SSHArchiveTarget(connector: .sftp), .scp: SSHArchiveTarget(connector: .scp)]
    }
}
