/// One LDAP protocol data unit (RFC 4511 §4.2).
///
/// ```
/// LDAPMessage ::= SEQUENCE {
///      messageID       MessageID,
///      protocolOp      CHOICE { bindRequest, bindResponse, unbindRequest, searchRequest,
///                               searchResEntry, searchResDone, searchResRef, abandonRequest,
///                               extendedReq, extendedResp, intermediateResponse, ... },
///      controls       [0] Controls OPTIONAL }
/// ```
/// Only the operations this client uses are modelled; the BER codec is in `LDAPMessage+BER.swift`.
public struct LDAPMessage: Sendable, Hashable {
    /// Pairs responses with their request; 0 is reserved for unsolicited notifications.
    public var messageID: Int32
    /// The operation.
    public var operation: LDAPOperation
    /// Request or response controls.
    public var controls: [LDAPControl]

    /// Creates a message.
    public init(messageID: Int32, operation: LDAPOperation, controls: [LDAPControl] = []) {
        self.messageID = messageID
        self.operation = operation
        self.controls = controls
    }
}

/// The `protocolOp` of an ``LDAPMessage``: the operations this client sends or understands.
public enum LDAPOperation: Sendable, Hashable {
    /// `[APPLICATION 0]` simple bind.
    case bindRequest(LDAPBindRequest)
    /// `[APPLICATION 1]` the bind's result (server SASL credentials are ignored).
    case bindResponse(LDAPResult)
    /// `[APPLICATION 2]` the polite goodbye; the server answers nothing.
    case unbindRequest
    /// `[APPLICATION 3]` a search.
    case searchRequest(LDAPSearchRequest)
    /// `[APPLICATION 4]` one entry found by a search.
    case searchResultEntry(LDAPEntry)
    /// `[APPLICATION 5]` the end of a search.
    case searchResultDone(LDAPResult)
    /// `[APPLICATION 19]` a continuation reference: URIs where more entries may be.
    case searchResultReference([String])
    /// `[APPLICATION 16]` abandon the operation with this message ID.
    case abandonRequest(Int32)
    /// `[APPLICATION 23]` an extended operation (StartTLS is one).
    case extendedRequest(name: String, value: [UInt8]?)
    /// `[APPLICATION 24]` an extended operation's result, or an unsolicited notification.
    case extendedResponse(LDAPResult, name: String?, value: [UInt8]?)
    /// `[APPLICATION 25]` an intermediate response; this client ignores them.
    case intermediateResponse(name: String?, value: [UInt8]?)

    /// A short name for logs and errors.
    public var name: String {
        switch self {
        case .bindRequest: "bindRequest"
        case .bindResponse: "bindResponse"
        case .unbindRequest: "unbindRequest"
        case .searchRequest: "searchRequest"
        case .searchResultEntry: "searchResultEntry"
        case .searchResultDone: "searchResultDone"
        case .searchResultReference: "searchResultReference"
        case .abandonRequest: "abandonRequest"
        case .extendedRequest: "extendedRequest"
        case .extendedResponse: "extendedResponse"
        case .intermediateResponse: "intermediateResponse"
        }
    }
}

extension LDAPMessage {
    /// The StartTLS extended operation (RFC 4511 §4.14.1).
    public static let startTLSOID = "1.3.6.1.4.1.1466.20037"
    /// The Notice of Disconnection a server sends before closing (RFC 4511 §4.4.1).
    public static let noticeOfDisconnectionOID = "1.3.6.1.4.1.1466.20036"
}
