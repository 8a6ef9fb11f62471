/// The release version printed by `sealdrop version`.
public enum SealdropVersion {
    public static let current = "0.1.0"
}
