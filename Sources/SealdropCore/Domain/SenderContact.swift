/// The sender's contact data printed in notifications.
public struct SenderContact: Codable, Sendable, Equatable {
    public var name: String
    public var phone: String

    public init(name: String = "", phone: String = "") {
        self.name = name
        self.phone = phone
    }
}
