/// The role of an administrator account (spec §2.0); each role is a fixed set of permissions.
public enum AdminRole: String, Codable, Sendable, CaseIterable {
    /// Everything.
    case administrator
    /// Everything except what could reveal transfer information (log view, outbox contents) and where mail goes
    /// (relay, sender address, public base URL: whoever controls them receives verification codes and links).
    case configAdmin
    /// System status and the transfer log, read-only.
    case logAnalyst
    /// Only QUICK activation codes.
    case quickSupporter

    /// What this role may do; every admin route names the permission it needs.
    public var permissions: Set<AdminPermission> {
        switch self {
        case .administrator:
            return Set(AdminPermission.allCases)
        case .configAdmin:
            return [.viewStatus, .viewStatistics, .editSettings, .viewAudit]
        case .logAnalyst:
            return [.viewStatus, .viewLog, .viewSystemLog]
        case .quickSupporter:
            return [.createQuickCodes]
        }
    }

    /// Whether this role may do `permission`.
    public func allows(_ permission: AdminPermission) -> Bool { permissions.contains(permission) }
}

/// One thing an administrator may do; routes are guarded by exactly one of these.
public enum AdminPermission: String, Codable, Sendable, CaseIterable {
    /// System status: version, uptime, disk, queues, recent log lines.
    case viewStatus
    /// The transfer log and its details (reveals senders, recipients, file names).
    case viewLog
    /// Delete an active transfer from the log view.
    case deleteTransfers
    /// Monthly statistics (aggregates only).
    case viewStatistics
    /// Change run-time settings.
    case editSettings
    /// Where mail goes and what its links point at: the mail relay, the sender address, the public base URL, and
    /// the test mail. Administrator only; changing them asks for the password again.
    case manageMail
    /// Outbox contents: recipients, subjects, message previews (reveal transfers).
    case viewOutbox
    /// Administrator accounts and API tokens.
    case manageAdmins
    /// The audit log.
    case viewAudit
    /// The system log on disk: reading and downloading it (it names senders, recipients and addresses).
    case viewSystemLog
    /// QUICK activation codes.
    case createQuickCodes
}
