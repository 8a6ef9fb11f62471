import Foundation
import SealdropCore

/// What a recipient's transfer id stands for now, as far as the holder of that id may learn it.
///
/// The transfer id in the notification link is the recipient's secret, so its holder may be told that the
/// transfer expired (and when) or that the sender withdrew it. Everything else — an unknown id, a transfer
/// deleted by an administrator or by download protection, a session never sent — stays `unavailable`,
/// which the pages show as the neutral "not found". The REST API never sees this distinction: it keeps
/// answering 404/2003 for every state but `available`.
public enum RetrievalState: Sendable, Equatable {
    /// Active and before its expiration date: the password decides.
    case available
    /// Past its expiration date, whether or not the clean-up has removed its files yet.
    case expired(on: Date)
    /// Revoked by the sender.
    case revoked
    /// Unknown, or gone for a reason the link holder is not told.
    case unavailable

    /// The state of `transfer` (nil when the id is unknown) at `now`.
    public init(_ transfer: TransferRecord?, now: Date) {
        guard let transfer else {
            self = .unavailable
            return
        }
        let expires = transfer.settings.expirationDate
        switch transfer.state {
        case .active where expires > now: self = .available
        case .active, .deletedByExpiration: self = .expired(on: expires)
        case .deletedByRevocation: self = .revoked
        default: self = .unavailable
        }
    }
}
