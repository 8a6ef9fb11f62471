/// The recipients of a transfer, as named by the sender; fixed once the session exists.
public struct RecipientList: Codable, Sendable, Equatable {
    public var to: [EmailAddress]
    public var cc: [EmailAddress]
    public var bcc: [EmailAddress]

    public init(to: [EmailAddress] = [], cc: [EmailAddress] = [], bcc: [EmailAddress] = []) {
        self.to = to
        self.cc = cc
        self.bcc = bcc
    }

    /// Every recipient with the field it was named in, in the order given.
    public var all: [(address: EmailAddress, kind: RecipientKind)] {
        to.map { ($0, .to) } + cc.map { ($0, .cc) } + bcc.map { ($0, .bcc) }
    }

    /// Whether no recipient was named.
    public var isEmpty: Bool { to.isEmpty && cc.isEmpty && bcc.isEmpty }
}
