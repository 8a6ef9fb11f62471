#if canImport(Glibc)
import Glibc
#endif
import Foundation
import SealdropCore

/// Delivers one complete message; throws `MailDeliveryError` to say whether a retry may help.
public protocol MailTransport: Sendable {
    func deliver(_ message: OutboxMessage) async throws
    /// Delivers and calls `accepted` as soon as the message is the relay's (for SMTP: its reply to the data,
    /// before QUIT), so the outbox can record it before anything else can go wrong.
    func deliver(_ message: OutboxMessage, accepted: @escaping @Sendable () async -> Void) async throws
}

extension MailTransport {
    /// For transports whose delivery is done when `deliver` returns.
    public func deliver(_ message: OutboxMessage, accepted: @escaping @Sendable () async -> Void) async throws {
        try await deliver(message)
        await accepted()
    }
}

/// Why a delivery failed and whether trying again later can succeed.
public struct MailDeliveryError: Error, Sendable, CustomStringConvertible {
    public var permanent: Bool
    public var reason: String

    public init(permanent: Bool, reason: String) {
        self.permanent = permanent
        self.reason = reason
    }

    public var description: String { reason }
}

/// The `capture:` transport: keeps each message as `<id>.eml` in a directory instead of sending it.
public struct CaptureMailTransport: MailTransport {
    public let directory: String

    /// Creates the transport, creating `directory` (mode 0700) if needed.
    public init(directory: String) throws {
        self.directory = directory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }

    public func deliver(_ message: OutboxMessage) async throws {
        guard let id = message.id else { throw MailDeliveryError(permanent: true, reason: "message has no id") }
        let final = "\(directory)/\(String(format: "%08lld", id))-\(message.kind).eml"
        let temp = final + ".part"
        do {
            try Data(message.message).write(to: URL(fileURLWithPath: temp), options: [])
            guard rename(temp, final) == 0 else { throw MailDeliveryError(permanent: false, reason: "rename failed: errno \(errno)") }
        } catch let error as MailDeliveryError {
            throw error
        } catch {
            throw MailDeliveryError(permanent: false, reason: "could not write captured mail")
        }
    }
}
