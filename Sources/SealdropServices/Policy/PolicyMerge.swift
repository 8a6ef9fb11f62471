import SealdropCore

/// Merges the settings of several matching rules (`PolicyConflicts`) and lays the result over the global policy.
enum PolicyMerge {
    /// One `RuleSettings` from `all` (at least one): numbers by maximum or minimum, switches by agreement or
    /// the conflict setting (else the global default), password modes by union or intersection in priority order.
    static func merge(_ all: [RuleSettings], conflicts: PolicyConflicts, defaults: PolicySettings) -> RuleSettings {
        var merged = all[0]
        guard all.count > 1 else { return merged }
        merged.maxTotalSize = conflicts.useMaximumTransferSize ? all.map(\.maxTotalSize).max()! : all.map(\.maxTotalSize).min()!
        merged.maxRetentionPeriod = conflicts.useMaximumRetention ? all.map(\.maxRetentionPeriod).max()! : all.map(\.maxRetentionPeriod).min()!
        let serverDefaults = ruleDefaults(defaults)
        for name in RuleSettings.switchNames {
            let values = Set(all.map { $0[switch: name] })
            merged[switch: name] = values.count == 1 ? values.first! : (conflicts.switches[name] ?? serverDefaults[switch: name])
        }
        let lists = all.map(\.allowedPasswordModes)
        let order = lists.flatMap { $0 }.reduce(into: [PasswordMode]()) { if !$0.contains($1) { $0.append($1) } }
        let modes = conflicts.passwordModes == .union ? order : order.filter { mode in lists.allSatisfy { $0.contains(mode) } }
        merged.securityModes = [RuleSettings.SecurityMode(allowedPasswordModes: modes)]
        merged.mailSenderName = all.first { !$0.mailSenderName.isEmpty }?.mailSenderName ?? ""
        merged.mailSenderAddress = all.first { !$0.mailSenderAddress.isEmpty }?.mailSenderAddress ?? ""
        // One rule asking for a copy is enough (an archive is kept for compliance); else one left to the default.
        merged.archive = all.contains { $0.archive == true } ? true : all.contains { $0.archive == nil } ? nil : false
        return merged
    }

    /// The global policy's values as rule settings (the server defaults of the conflict resolution).
    static func ruleDefaults(_ p: PolicySettings) -> RuleSettings {
        var r = RuleSettings()
        r.maxTotalSize = p.maxTotalSize
        r.maxRetentionPeriod = p.maxRetentionDays
        r.showFileNamesDefault = p.showFileNamesDefault
        r.showFileNamesChangeable = p.showFileNamesChangeable
        r.showZipFileContentDefault = p.showZipFileContentDefault
        r.sendDownloadNotificationsDefault = p.sendDownloadNotificationsDefault
        r.sendDownloadNotificationsChangeable = p.sendDownloadNotificationsChangeable
        r.recipientNotificationEditable = p.recipientNotificationEditable
        r.confidentialMessageAllowed = p.confidentialMessageAllowed
        r.confidentialMessageRequired = p.confidentialMessageRequired
        r.securityModes = [RuleSettings.SecurityMode(allowedPasswordModes: p.allowedPasswordModes)]
        return r
    }

    /// The global policy with `rule`'s settings in place of its own.
    static func effective(_ global: PolicySettings, _ rule: RuleSettings) -> PolicySettings {
        var p = global
        p.maxTotalSize = rule.maxTotalSize
        p.maxRetentionDays = rule.maxRetentionPeriod
        p.defaultRetentionDays = min(global.defaultRetentionDays, rule.maxRetentionPeriod)
        p.showFileNamesDefault = rule.showFileNamesDefault
        p.showFileNamesChangeable = rule.showFileNamesChangeable
        p.showZipFileContentDefault = rule.showZipFileContentDefault
        p.sendDownloadNotificationsDefault = rule.sendDownloadNotificationsDefault
        p.sendDownloadNotificationsChangeable = rule.sendDownloadNotificationsChangeable
        p.recipientNotificationEditable = rule.recipientNotificationEditable
        p.confidentialMessageAllowed = rule.confidentialMessageAllowed
        p.confidentialMessageRequired = rule.confidentialMessageRequired
        p.allowedPasswordModes = rule.allowedPasswordModes
        return p
    }
}
