import SwiftASN1

/// The Simple Paged Results control (RFC 2696), which Active Directory requires to return more than
/// its `MaxPageSize` (1,000 by default) entries of one search.
///
/// ```
/// pagedResultsControl ::= SEQUENCE {
///         controlType     1.2.840.113556.1.4.319,
///         criticality     BOOLEAN DEFAULT FALSE,
///         controlValue    searchControlValue }
/// realSearchControlValue ::= SEQUENCE {
///         size            INTEGER (0..maxInt),   -- requested page size / server's estimate of the total
///         cookie          OCTET STRING }         -- empty on the first request and on the last page
/// ```
public struct LDAPPagedResultsControl: Sendable, Hashable {
    /// The control's OID.
    public static let oid = "1.2.840.113556.1.4.319"

    /// In a request: the page size; in a response: the server's estimate of the total (0 if unknown).
    public var size: Int
    /// Opaque server state; empty on the first request and in the response to the last page.
    public var cookie: [UInt8]

    /// Creates a control value.
    public init(size: Int, cookie: [UInt8] = []) {
        self.size = size
        self.cookie = cookie
    }

    /// The control to attach to a search request.
    public var control: LDAPControl {
        var coder = DER.Serializer()
        // Two primitives in a SEQUENCE cannot fail to encode.
        try? coder.appendConstructedNode(identifier: .sequence) { coder in
            try coder.appendInteger(self.size)
            coder.appendOctets(self.cookie)
        }
        return LDAPControl(type: Self.oid, criticality: false, value: coder.serializedBytes)
    }

    /// Reads the control from a response's controls; `nil` when the server sent none.
    public init?(from controls: [LDAPControl]) throws(LDAPDecodingError) {
        guard let control = controls.first(where: { $0.type == Self.oid }) else { return nil }
        guard let value = control.value else { throw LDAPDecodingError(reason: "paged results control without a value") }
        let node = try BERSupport.parse(value[...], "paged results control")
        let children = try BERSupport.children(of: node, .sequence, "paged results control")
        guard children.count == 2 else { throw LDAPDecodingError(reason: "paged results control: expected 2 elements") }
        self.init(
            size: try BERSupport.integer(children[0], .integer, "paged results size"),
            cookie: try BERSupport.octets(children[1], .octetString, "paged results cookie")
        )
    }
}
