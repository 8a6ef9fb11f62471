import Foundation
import Hummingbird
import SealdropCore
import SealdropServices

/// The sender's transfers (spec §7).
///
/// Routes (below `/api/users/{email}`; handlers get the verified sender in their `VerifiedSenderContext`):
/// - `GET transfers`, `GET transfers/sent-transfers`, `GET transfers/received-transfers`
/// - `GET transfers/{tracking-id}`, `PATCH transfers/{tracking-id}` (revoke)
/// - `POST transfers/{tracking-id}/emails/sender|sent|recipients/{transfer-id}` (HTML mails)
struct SentTransferController {
    let transfers: SentTransferService
    let notifications: Notifications

    /// An entry of `GET transfers`.
    struct BasicInfo: Encodable, Sendable {
        var trackingId: String
        var state: String
        var recipients: [TransferDTO.RecipientStatus]
        var href: String
    }

    /// The revocation body.
    struct Revocation: Decodable {
        /// `{ "state": "DELETED_BY_REVOCATION" }`.
        struct State: Decodable { var state: String }
        /// Optional revocation options.
        struct Options: Decodable {
            var notifySender: Bool?
            var notifyRecipients: Bool?
            var message: String?
        }
        var status: State
        var revocationOptions: Options?
    }

    func addRoutes(to api: RouterGroup<VerifiedSenderContext>) {
        api.get("users/:email/transfers", use: list)
        api.get("users/:email/transfers/sent-transfers") { request, context in try await polling(request, context, received: false) }
        api.get("users/:email/transfers/received-transfers") { request, context in try await polling(request, context, received: true) }
        api.get("users/:email/transfers/:trackingId", use: details)
        api.patch("users/:email/transfers/:trackingId", use: revoke)
        api.post("users/:email/transfers/:trackingId/emails/sender") { request, context in try await mail(request, context, kind: .sender) }
        api.post("users/:email/transfers/:trackingId/emails/sent") { request, context in try await mail(request, context, kind: .sent) }
        api.post("users/:email/transfers/:trackingId/emails/recipients/:transferId") { request, context in
            try await mail(request, context, kind: .recipient)
        }
    }

    static func paging(_ request: Request) throws -> (page: Int, size: Int) {
        let q = request.uri.queryParameters
        var page = 1
        var size = 10
        if let raw = q["page"] {
            guard let value = Int(raw), value >= 1, value <= 1_000_000 else { throw SealdropError.malformed("page must be a positive integer") }
            page = value
        }
        if let raw = q["page-size"] {
            guard let value = Int(raw), (1...100).contains(value) else { throw SealdropError.malformed("page-size must be between 1 and 100") }
            size = value
        }
        return (page, size)
    }

    func basePath(_ email: EmailAddress, _ trackingId: TrackingID) -> String {
        "/api/users/\(email.address)/transfers/\(trackingId.rawValue)"
    }

    @Sendable func list(_ request: Request, context: VerifiedSenderContext) async throws -> Envelope<[BasicInfo]> {
        let sender = context.sender
        let paging = try Self.paging(request)
        let items = try await transfers.sentTransfers(by: sender, active: nil, page: paging.page, pageSize: paging.size)
        return Envelope(data: items.map { d in
            let full = TransferDTO.details(d, notifications: notifications, basePath: basePath(sender.email, d.transfer.trackingId))
            return BasicInfo(trackingId: d.transfer.trackingId.rawValue, state: d.transfer.state.rawValue, recipients: full.status.recipients,
                             href: basePath(sender.email, d.transfer.trackingId))
        })
    }

    /// One polling item with the projected members.
    struct PollingItem: Encodable, Sendable {
        var trackingId: String?
        var status: TransferDTO.Status?
        var transfer: TransferDTO.Session?
    }

    @Sendable func polling(_ request: Request, _ context: VerifiedSenderContext, received: Bool) async throws -> Envelope<[PollingItem]> {
        let sender = context.sender
        let paging = try Self.paging(request)
        var active: Bool?
        if let raw = request.uri.queryParameters["active"] {
            guard let value = Bool(String(raw)) else { throw SealdropError.malformed("active must be true or false") }
            active = value
        }
        let fields = try Self.topLevelFields(request.uri.queryParameters["fields"].map(String.init))
        let items = received
            ? try await transfers.receivedTransfers(by: sender, active: active, page: paging.page, pageSize: paging.size)
            : try await transfers.sentTransfers(by: sender, active: active, page: paging.page, pageSize: paging.size)
        return Envelope(data: items.map { d in
            var full = TransferDTO.details(d, notifications: notifications, basePath: basePath(d.transfer.senderEmail, d.transfer.trackingId))
            if received {
                full.status.recipients = full.status.recipients.map { var r = $0; r.downloadUrl = nil; return r }
                full.transfer.files = []
                full.transfer.confidentialMessageFileId = nil
            }
            return PollingItem(
                trackingId: fields.contains("trackingId") ? d.transfer.trackingId.rawValue : nil,
                status: fields.contains("status") ? full.status : nil,
                transfer: fields.contains("transfer") ? full.transfer : nil)
        })
    }

    /// The top-level names of a `fields` projection; unknown names are 400/1004.
    static func topLevelFields(_ fields: String?) throws -> Set<String> {
        guard let raw = fields, !raw.isEmpty else { return ["trackingId", "status", "transfer"] }
        // Form encoding may carry spaces as `+`; names never contain one.
        let fields = raw.replacingOccurrences(of: "+", with: " ")
        var names: [String] = []
        var depth = 0
        var current = ""
        for character in fields {
            switch character {
            case "(": depth += 1
            case ")":
                depth -= 1
                guard depth >= 0 else { throw SealdropError.malformed("Unbalanced parentheses in fields") }
            case "," where depth == 0:
                names.append(current)
                current = ""
            default:
                if depth == 0 { current.append(character) }
            }
        }
        guard depth == 0 else { throw SealdropError.malformed("Unbalanced parentheses in fields") }
        names.append(current)
        let trimmed = names.map { $0.trimmingCharacters(in: .whitespaces) }
        let known: Set<String> = ["trackingId", "status", "transfer"]
        guard trimmed.allSatisfy(known.contains) else { throw SealdropError.malformed("Unknown name in fields") }
        return Set(trimmed)
    }

    @Sendable func details(_ request: Request, context: VerifiedSenderContext) async throws -> Envelope<TransferDTO.Details> {
        let sender = context.sender
        let trackingId = try PathVariable.trackingId(context)
        let d = try await transfers.transferDetails(trackingId, by: sender)
        return Envelope(data: TransferDTO.details(d, notifications: notifications, basePath: basePath(sender.email, trackingId)))
    }

    @Sendable func revoke(_ request: Request, context: VerifiedSenderContext) async throws -> Envelope<TransferDTO.Details> {
        let sender = context.sender
        let trackingId = try PathVariable.trackingId(context)
        guard let body = try await APICoding.decode(Revocation.self, from: request, context: context) else { throw SealdropError.missing("status") }
        guard body.status.state == "DELETED_BY_REVOCATION" else { throw SealdropError.malformed("status.state must be DELETED_BY_REVOCATION") }
        let options = RevocationOptions(notifySender: body.revocationOptions?.notifySender ?? true,
                                        notifyRecipients: body.revocationOptions?.notifyRecipients ?? true,
                                        message: body.revocationOptions?.message.map { String($0.prefix(10_000)) })
        let d = try await transfers.revoke(trackingId, by: sender, options: options)
        return Envelope(data: TransferDTO.details(d, notifications: notifications, basePath: basePath(sender.email, trackingId)))
    }

    /// Which rendered mail to return.
    enum MailEndpoint { case sender, sent, recipient }

    /// The optional body of the mail endpoints.
    struct MailRequest: Decodable {
        var password: String?
        /// Addresses the mail is also meant for (spec §7.6–7.8): listed with the transfer's recipients where
        /// the mail lists them (sender confirmation; recipient notification and "Sent" copy without Bcc).
        var additionalRecipients: AdditionalRecipients?
    }

    /// `{"to": [{"mail"}], "cc": [...], "bcc": [...]}`.
    struct AdditionalRecipients: Decodable {
        struct Address: Decodable { var mail: String }
        var to: [Address]?
        var cc: [Address]?
        var bcc: [Address]?

        /// The addresses as recipient rows of `trackingId` (no transfer id of their own: they get no link);
        /// at most 500, each a valid address, or 400/1004.
        func records(_ trackingId: TrackingID) throws -> [RecipientRecord] {
            let all: [(Address, RecipientKind)] = (to ?? []).map { ($0, .to) } + (cc ?? []).map { ($0, .cc) } + (bcc ?? []).map { ($0, .bcc) }
            guard all.count <= 500 else { throw SealdropError.malformed("additionalRecipients has more than 500 addresses") }
            return try all.map { address, kind in
                guard let email = EmailAddress(address.mail) else { throw SealdropError.malformed("additionalRecipients holds an invalid email address") }
                return RecipientRecord(transferId: TransferID.random(), trackingId: trackingId, email: email, kind: kind)
            }
        }
    }

    @Sendable func mail(_ request: Request, _ context: VerifiedSenderContext, kind: MailEndpoint) async throws -> Response {
        let sender = context.sender
        let trackingId = try PathVariable.trackingId(context)
        let body = try await APICoding.decode(MailRequest.self, from: request, context: context, allowEmpty: true)
        let additional = try body?.additionalRecipients?.records(trackingId) ?? []
        let d = try await transfers.transferDetails(trackingId, by: sender)
        let mail: RenderedMail
        switch kind {
        case .sender:
            let password = body?.password.flatMap { $0.isEmpty ? nil : $0 }
            mail = notifications.uploadSummaryMail(transfer: d.transfer, recipients: d.recipients + additional, files: d.files, password: password)
        case .sent:
            mail = notifications.sentCopyMail(transfer: d.transfer, recipients: d.recipients + additional, files: d.files)
        case .recipient:
            let transferId = try PathVariable.transferId(context)
            guard let recipient = d.recipients.first(where: { $0.transferId == transferId }) else { throw SealdropError.notFound("The recipient") }
            let link = d.transfer.settings.passwordMode == .none ? d.linkPassword : nil
            mail = notifications.recipientNotificationMail(transfer: d.transfer, recipient: recipient, recipients: d.recipients + additional,
                                                           files: d.files, linkPassword: link)
        }
        let html = mail.html
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}

