/// Subject and body of the recipient notification.
public struct NotificationMessage: Codable, Sendable, Equatable {
    public var subject: String
    public var body: String

    public init(subject: String = "", body: String = "") {
        self.subject = subject
        self.body = body
    }
}
