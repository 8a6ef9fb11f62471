/// A request or response control (RFC 4511 §4.1.11).
///
/// ```
/// Control ::= SEQUENCE {
///      controlType             LDAPOID,
///      criticality             BOOLEAN DEFAULT FALSE,
///      controlValue            OCTET STRING OPTIONAL }
/// ```
public struct LDAPControl: Sendable, Hashable {
    /// The control's OID.
    public var type: String
    /// Whether the server must refuse the operation if it does not support the control.
    public var criticality: Bool
    /// The control-specific value (itself usually BER).
    public var value: [UInt8]?

    /// Creates a control.
    public init(type: String, criticality: Bool = false, value: [UInt8]? = nil) {
        self.type = type
        self.criticality = criticality
        self.value = value
    }
}
