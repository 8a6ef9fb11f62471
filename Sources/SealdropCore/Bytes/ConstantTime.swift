/// Comparison of secrets (tokens, code hashes) in time independent of where they differ.
///
/// The only implementation in the tree; in Core because SealdropServices and SealdropHTTP both compare secrets.
public enum ConstantTime {
    /// Whether `a` and `b` hold the same bytes. Different lengths answer false at once: the lengths of the
    /// values compared here (fixed-size hashes and tokens) are no secret.
    public static func equal(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for (x, y) in zip(a, b) { difference |= x ^ y }
        return difference == 0
    }

    /// Whether two strings have the same UTF-8 bytes, compared as the byte form does.
    public static func equal(_ a: String, _ b: String) -> Bool {
        equal(Array(a.utf8), Array(b.utf8))
    }
}
