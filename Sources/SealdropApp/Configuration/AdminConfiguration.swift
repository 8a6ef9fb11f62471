/// The administrator accounts' process configuration.
public struct AdminConfiguration: Sendable, Equatable {
    /// `SEALDROP_ADMIN_PASSWORD`: the first administrator's password. Default none: a one-time password is
    /// generated and printed once.
    public var bootstrapPassword: String?
    /// `adminBcryptCost` (file only, 4–16): bcrypt cost of administrator passwords; tests lower it. Default 12.
    public var bcryptCost: Int = 12

    public init(bootstrapPassword: String? = nil, bcryptCost: Int = 12) {
        self.bootstrapPassword = bootstrapPassword
        self.bcryptCost = bcryptCost
    }
}
