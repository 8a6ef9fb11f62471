import Foundation
import Hummingbird
import SealdropCore
import SealdropServices

/// Policy, transfer sessions and their files (spec §6).
///
/// Routes (all below `/api/users/{email}`; handlers get the verified sender in their `VerifiedSenderContext`):
/// - `POST transfer-policy`
/// - `POST transfer-sessions`, `GET|PATCH|POST|DELETE transfer-sessions/{tracking-id}`
/// - `POST transfer-sessions/{tracking-id}/files`, `PUT …/files/{file-id}/content`, `DELETE …/files/{file-id}`
struct SessionController {
    let sessions: TransferSessionService
    let uploads: UploadService
    let finalizing: FinalizeService
    let policy: PolicyService
    /// The public base URL in force (it may change at run time in the admin interface).
    let baseURL: @Sendable () -> String

    /// The body of the policy request.
    struct PolicyRequest: Decodable {
        var recipients: [String]
    }

    /// The policy result (spec §6.1).
    struct PolicyResult: Encodable, Sendable {
        var allowed: Bool
        var settings: PolicySettingsDTO?
        var failedRecipients: [FailedRecipient]?
    }

    /// A refused recipient.
    struct FailedRecipient: Encodable, Sendable {
        var emailAddress: String
        var reason = "POLICY_MISMATCH"
    }

    /// The policy's settings as the API presents them.
    struct PolicySettingsDTO: Encodable, Sendable {
        var maxRetentionPeriod: Int64
        var maxTotalSize: Int64
        var showFileNamesDefault: Bool
        var showFileNamesChangeable: Bool
        var showZipFileContentDefault: Bool
        var sendDownloadNotificationsDefault: Bool
        var sendDownloadNotificationsChangeable: Bool
        var recipientNotificationEditable: Bool
        var confidentialMessageAllowed: Bool
        var confidentialMessageRequired: Bool
        var securityModes: [SecurityModeDTO]
        var fileTypeFilterConfig: String?

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(maxRetentionPeriod, forKey: .maxRetentionPeriod)
            try c.encode(maxTotalSize, forKey: .maxTotalSize)
            try c.encode(showFileNamesDefault, forKey: .showFileNamesDefault)
            try c.encode(showFileNamesChangeable, forKey: .showFileNamesChangeable)
            try c.encode(showZipFileContentDefault, forKey: .showZipFileContentDefault)
            try c.encode(sendDownloadNotificationsDefault, forKey: .sendDownloadNotificationsDefault)
            try c.encode(sendDownloadNotificationsChangeable, forKey: .sendDownloadNotificationsChangeable)
            try c.encode(recipientNotificationEditable, forKey: .recipientNotificationEditable)
            try c.encode(confidentialMessageAllowed, forKey: .confidentialMessageAllowed)
            try c.encode(confidentialMessageRequired, forKey: .confidentialMessageRequired)
            try c.encode(securityModes, forKey: .securityModes)
            try c.encode(fileTypeFilterConfig, forKey: .fileTypeFilterConfig)
        }

        enum CodingKeys: String, CodingKey {
            case maxRetentionPeriod, maxTotalSize, showFileNamesDefault, showFileNamesChangeable, showZipFileContentDefault
            case sendDownloadNotificationsDefault, sendDownloadNotificationsChangeable, recipientNotificationEditable
            case confidentialMessageAllowed, confidentialMessageRequired, securityModes, fileTypeFilterConfig
        }
    }

    /// A security mode offered by the policy.
    struct SecurityModeDTO: Encodable, Sendable {
        var name = "ONE_TIME_PASSWORD"
        var config: [String: [String]]
    }

    /// The body of session creation.
    struct Creation: Decodable {
        var sender: SenderContactDTO?
        var recipients: TransferDTO.Recipients
    }

    /// Contact data as sent by clients (unknown members ignored).
    struct SenderContactDTO: Decodable {
        var name: String?
        var phone: String?
    }

    /// The body of a file registration.
    struct FileRegistration: Decodable {
        var fileName: String
        var size: Int64
        var checksum: String?
    }

    func addRoutes(to api: RouterGroup<VerifiedSenderContext>) {
        api.post("users/:email/transfer-policy", use: evaluatePolicy)
        api.post("users/:email/transfer-sessions", use: create)
        api.get("users/:email/transfer-sessions/:trackingId", use: get)
        api.patch("users/:email/transfer-sessions/:trackingId", use: patch)
        api.post("users/:email/transfer-sessions/:trackingId", use: finalize)
        api.delete("users/:email/transfer-sessions/:trackingId", use: delete)
        api.post("users/:email/transfer-sessions/:trackingId/files", use: registerFile)
        api.put("users/:email/transfer-sessions/:trackingId/files/:fileId/content", use: upload)
        api.delete("users/:email/transfer-sessions/:trackingId/files/:fileId", use: deleteFile)
    }

    static func mails(_ list: [TransferDTO.Mail]?) throws -> [EmailAddress] {
        try (list ?? []).map {
            guard let address = EmailAddress($0.mail) else { throw SealdropError.malformed("Invalid recipient address") }
            return address
        }
    }

    func sessionPath(_ email: EmailAddress, _ trackingId: TrackingID) -> String {
        "/api/users/\(email.address)/transfer-sessions/\(trackingId.rawValue)"
    }

    @Sendable func evaluatePolicy(_ request: Request, context: VerifiedSenderContext) async throws -> Envelope<PolicyResult> {
        let sender = context.sender
        guard let body = try await APICoding.decode(PolicyRequest.self, from: request, context: context) else { throw SealdropError.missing("recipients") }
        guard !body.recipients.isEmpty, body.recipients.count <= 500 else { throw SealdropError.malformed("Between 1 and 500 recipients are required") }
        let recipients = try body.recipients.map {
            guard let address = EmailAddress($0) else { throw SealdropError.malformed("Invalid recipient address") }
            return address
        }
        let result = try await policy.evaluate(sender: sender.email, recipients: recipients, clientIP: context.clientIP)
        guard result.allowed else {
            return Envelope(data: PolicyResult(allowed: false, settings: nil, failedRecipients: result.failedRecipients.map { FailedRecipient(emailAddress: $0.address) }))
        }
        let p = result.settings
        let modes = p.allowedPasswordModes.map(\.rawValue)
        return Envelope(data: PolicyResult(allowed: true, settings: PolicySettingsDTO(
            maxRetentionPeriod: Int64(p.maxRetentionDays), maxTotalSize: p.maxTotalSize, showFileNamesDefault: p.showFileNamesDefault,
            showFileNamesChangeable: p.showFileNamesChangeable, showZipFileContentDefault: p.showZipFileContentDefault,
            sendDownloadNotificationsDefault: p.sendDownloadNotificationsDefault,
            sendDownloadNotificationsChangeable: p.sendDownloadNotificationsChangeable,
            recipientNotificationEditable: p.recipientNotificationEditable, confidentialMessageAllowed: p.confidentialMessageAllowed,
            confidentialMessageRequired: p.confidentialMessageRequired,
            securityModes: [SecurityModeDTO(config: ["allowedPasswordModes": modes])], fileTypeFilterConfig: nil
        ), failedRecipients: nil))
    }

    @Sendable func create(_ request: Request, context: VerifiedSenderContext) async throws -> Response {
        let sender = context.sender
        guard let body = try await APICoding.decode(Creation.self, from: request, context: context) else { throw SealdropError.missing("recipients") }
        let recipients = RecipientList(to: try Self.mails(body.recipients.to), cc: try Self.mails(body.recipients.cc), bcc: try Self.mails(body.recipients.bcc))
        let trackingId = try await sessions.createSession(
            by: sender, contact: SenderContact(name: body.sender?.name ?? "", phone: body.sender?.phone ?? ""),
            recipients: recipients, language: try context.apiInfo().language, clientIP: context.clientIP)
        return APICoding.empty(.created, location: baseURL() + sessionPath(sender.email, trackingId))
    }

    @Sendable func get(_ request: Request, context: VerifiedSenderContext) async throws -> Envelope<TransferDTO.Session> {
        let sender = context.sender
        let trackingId = try PathVariable.trackingId(context)
        let view = try await sessions.session(trackingId, by: sender)
        return Envelope(data: TransferDTO.session(view.transfer, files: view.files, password: view.password, basePath: sessionPath(sender.email, trackingId)))
    }

    @Sendable func patch(_ request: Request, context: VerifiedSenderContext) async throws -> Envelope<TransferDTO.Session> {
        let sender = context.sender
        let trackingId = try PathVariable.trackingId(context)
        guard let body = try await APICoding.decode(SessionPatchDTO.self, from: request, context: context) else { throw SealdropError.missing("body") }
        let view = try await sessions.patch(trackingId, by: sender, with: try body.patch())
        return Envelope(data: TransferDTO.session(view.transfer, files: view.files, password: view.password, basePath: sessionPath(sender.email, trackingId)))
    }

    @Sendable func finalize(_ request: Request, context: VerifiedSenderContext) async throws -> Response {
        let sender = context.sender
        let trackingId = try PathVariable.trackingId(context)
        try await finalizing.finalize(trackingId, by: sender)
        return APICoding.empty(.created, location: "\(baseURL())/api/users/\(sender.email.address)/transfers/\(trackingId.rawValue)")
    }

    @Sendable func delete(_ request: Request, context: VerifiedSenderContext) async throws -> Response {
        let sender = context.sender
        try await sessions.deleteSession(try PathVariable.trackingId(context), by: sender)
        return APICoding.empty(.noContent)
    }

    @Sendable func registerFile(_ request: Request, context: VerifiedSenderContext) async throws -> Response {
        let sender = context.sender
        let trackingId = try PathVariable.trackingId(context)
        guard let body = try await APICoding.decode(FileRegistration.self, from: request, context: context) else { throw SealdropError.missing("fileName") }
        let fileId = try await sessions.registerFile(trackingId, by: sender, name: body.fileName, size: body.size, checksum: body.checksum)
        let location = baseURL() + sessionPath(sender.email, trackingId) + "/files/" + fileId.rawValue
        return try Envelope(data: ["fileId": fileId.rawValue], status: .created, location: location).response(from: request, context: context)
    }

    @Sendable func upload(_ request: Request, context: VerifiedSenderContext) async throws -> Response {
        let sender = context.sender
        let trackingId = try PathVariable.trackingId(context)
        let fileId = try PathVariable.fileId(context)
        let upload = try await uploads.beginUpload(trackingId, fileId: fileId, by: sender)
        do {
            try await upload.write(contentsOf: request.body)
            try await upload.finish()
        } catch {
            upload.abort()
            throw error
        }
        return APICoding.empty(.ok)
    }

    @Sendable func deleteFile(_ request: Request, context: VerifiedSenderContext) async throws -> Response {
        let sender = context.sender
        try await sessions.deleteFile(try PathVariable.trackingId(context), fileId: try PathVariable.fileId(context), by: sender)
        return APICoding.empty(.noContent)
    }
}

/// The PATCH body; members absent stay unchanged, unknown members are ignored, explicit nulls clear.
struct SessionPatchDTO: Decodable {
    var sender: SessionController.SenderContactDTO?
    var expirationDate: String?
    var securityMode: TransferDTO.SecurityMode?
    var notificationMessage: MessageDTO?
    var senderLanguage: String?
    var recipientLanguage: String?
    var sendDownloadNotifications: Bool?
    var sendDownloadSummary: Bool?
    var sendRecipientNotification: Bool?
    var sendUploadSummary: Bool?
    var showFileNames: Bool?
    var showZipFileContent: Bool?
    var fileChecksumAlgorithm: String?
    var classificationId: String??
    var confidentialMessageFileId: String??

    /// A notification message with optional members.
    struct MessageDTO: Decodable {
        var subject: String?
        var body: String?
    }

    enum CodingKeys: String, CodingKey {
        case sender, expirationDate, securityMode, notificationMessage, senderLanguage, recipientLanguage
        case sendDownloadNotifications, sendDownloadSummary, sendRecipientNotification, sendUploadSummary
        case showFileNames, showZipFileContent, fileChecksumAlgorithm, classificationId, confidentialMessageFileId
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        sender = try c.decodeIfPresent(SessionController.SenderContactDTO.self, forKey: .sender)
        expirationDate = try c.decodeIfPresent(String.self, forKey: .expirationDate)
        securityMode = try c.decodeIfPresent(TransferDTO.SecurityMode.self, forKey: .securityMode)
        notificationMessage = try c.decodeIfPresent(MessageDTO.self, forKey: .notificationMessage)
        senderLanguage = try c.decodeIfPresent(String.self, forKey: .senderLanguage)
        recipientLanguage = try c.decodeIfPresent(String.self, forKey: .recipientLanguage)
        sendDownloadNotifications = try c.decodeIfPresent(Bool.self, forKey: .sendDownloadNotifications)
        sendDownloadSummary = try c.decodeIfPresent(Bool.self, forKey: .sendDownloadSummary)
        sendRecipientNotification = try c.decodeIfPresent(Bool.self, forKey: .sendRecipientNotification)
        sendUploadSummary = try c.decodeIfPresent(Bool.self, forKey: .sendUploadSummary)
        showFileNames = try c.decodeIfPresent(Bool.self, forKey: .showFileNames)
        showZipFileContent = try c.decodeIfPresent(Bool.self, forKey: .showZipFileContent)
        fileChecksumAlgorithm = try c.decodeIfPresent(String.self, forKey: .fileChecksumAlgorithm)
        if c.contains(.classificationId) { classificationId = .some(try c.decodeIfPresent(String.self, forKey: .classificationId)) }
        if c.contains(.confidentialMessageFileId) {
            confidentialMessageFileId = .some(try c.decodeIfPresent(String.self, forKey: .confidentialMessageFileId))
        }
    }

    /// The service-level patch; malformed values are 400/1004.
    func patch() throws -> SessionPatch {
        var p = SessionPatch()
        if let s = sender { p.sender = SenderContact(name: s.name ?? "", phone: s.phone ?? "") }
        if let text = expirationDate {
            guard let date = APIDate.parse(text) else { throw SealdropError.malformed("expirationDate must be an ISO 8601 date-time") }
            p.expirationDate = date
        }
        if let mode = securityMode {
            switch mode.name {
            case "ONE_TIME_PASSWORD": break
            case "QUICK": throw SealdropError(.quickNotSupported, status: 501, "The QUICK security mode is not supported")
            case "EID": throw SealdropError(.eIDNotSupported, status: 501, "The eID security mode is not supported")
            default: throw SealdropError.malformed("Unknown security mode")
            }
            if let raw = mode.config?.passwordMode {
                guard let parsed = PasswordMode(rawValue: raw) else { throw SealdropError.malformed("Unknown password mode") }
                p.passwordMode = parsed
            }
            p.password = mode.config?.password
            if p.passwordMode == nil && p.password != nil { throw SealdropError.malformed("passwordMode is required with a password") }
        }
        if let m = notificationMessage { p.notificationMessage = NotificationMessage(subject: m.subject ?? "", body: m.body ?? "") }
        p.senderLanguage = senderLanguage
        p.recipientLanguage = recipientLanguage
        p.sendDownloadNotifications = sendDownloadNotifications
        p.sendDownloadSummary = sendDownloadSummary
        p.sendRecipientNotification = sendRecipientNotification
        p.sendUploadSummary = sendUploadSummary
        p.showFileNames = showFileNames
        p.showZipFileContent = showZipFileContent
        p.fileChecksumAlgorithm = fileChecksumAlgorithm
        p.classificationId = classificationId
        if let confidential = confidentialMessageFileId {
            if let raw = confidential {
                guard let id = FileID(rawValue: raw) else { throw SealdropError.malformed("Invalid confidentialMessageFileId") }
                p.confidentialMessageFileId = .some(id)
            } else {
                p.confidentialMessageFileId = .some(nil)
            }
        }
        return p
    }
}
