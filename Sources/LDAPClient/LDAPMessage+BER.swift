import SwiftASN1

/// The BER codec of ``LDAPMessage`` (RFC 4511 §4 and §5.1), both directions for every operation modelled.
///
/// ```
/// BindResponse ::= [APPLICATION 1] SEQUENCE { COMPONENTS OF LDAPResult, serverSaslCreds [7] OCTET STRING OPTIONAL }
/// PartialAttribute ::= SEQUENCE { type AttributeDescription, vals SET OF value AttributeValue }
/// SearchResultReference ::= [APPLICATION 19] SEQUENCE SIZE (1..MAX) OF uri URI
/// ExtendedRequest ::= [APPLICATION 23] SEQUENCE { requestName [0] LDAPOID, requestValue [1] OCTET STRING OPTIONAL }
/// ExtendedResponse ::= [APPLICATION 24] SEQUENCE { COMPONENTS OF LDAPResult,
///      responseName [10] LDAPOID OPTIONAL, responseValue [11] OCTET STRING OPTIONAL }
/// IntermediateResponse ::= [APPLICATION 25] SEQUENCE { responseName [0] LDAPOID OPTIONAL,
///      responseValue [1] OCTET STRING OPTIONAL }
/// ```
extension LDAPMessage {
    /// The message's BER bytes, ready for the wire.
    public func serializedBytes() throws(LDAPDecodingError) -> [UInt8] {
        var coder = DER.Serializer()
        do {
            try self.serialize(into: &coder)
        } catch {
            throw LDAPDecodingError(reason: "cannot encode \(self.operation.name): \(error)")
        }
        return coder.serializedBytes
    }

    private func serialize(into coder: inout DER.Serializer) throws {
        try coder.appendConstructedNode(identifier: .sequence) { coder in
            try coder.appendInteger(Int(self.messageID))
            try self.operation.serialize(into: &coder)
            if !self.controls.isEmpty {
                try coder.appendConstructedNode(identifier: BERSupport.context(0)) { coder in
                    for control in self.controls {
                        try coder.appendConstructedNode(identifier: .sequence) { coder in
                            coder.appendString(control.type)
                            if control.criticality { try coder.appendBoolean(true) }
                            if let value = control.value { coder.appendOctets(value) }
                        }
                    }
                }
            }
        }
    }

    /// Decodes one complete message (one frame from ``LDAPMessageFramer``).
    public init(berEncoded bytes: ArraySlice<UInt8>) throws(LDAPDecodingError) {
        let root = try BERSupport.parse(bytes, "LDAPMessage")
        let children = try BERSupport.children(of: root, .sequence, "LDAPMessage")
        guard children.count == 2 || children.count == 3 else {
            throw LDAPDecodingError(reason: "LDAPMessage: expected 2 or 3 elements, found \(children.count)")
        }
        let id = try BERSupport.integer(children[0], .integer, "messageID")
        guard (0...Int(Int32.max)).contains(id) else { throw LDAPDecodingError(reason: "messageID \(id) out of range") }
        let operation = try LDAPOperation(berEncoded: children[1])
        var controls: [LDAPControl] = []
        if children.count == 3 {
            for node in try BERSupport.children(of: children[2], BERSupport.context(0), "controls") {
                let parts = try BERSupport.children(of: node, .sequence, "control")
                guard let first = parts.first, parts.count <= 3 else { throw LDAPDecodingError(reason: "control: expected 1 to 3 elements") }
                var control = LDAPControl(type: try BERSupport.string(first, .octetString, "controlType"))
                for part in parts.dropFirst() {
                    if part.identifier == .boolean {
                        control.criticality = try BERSupport.boolean(part, .boolean, "criticality")
                    } else {
                        control.value = try BERSupport.octets(part, .octetString, "controlValue")
                    }
                }
                controls.append(control)
            }
        }
        self.init(messageID: Int32(id), operation: operation, controls: controls)
    }
}

extension LDAPOperation {
    fileprivate func serialize(into coder: inout DER.Serializer) throws {
        switch self {
        case .bindRequest(let bind):
            try coder.appendConstructedNode(identifier: BERSupport.application(0)) { coder in
                try coder.appendInteger(bind.version)
                coder.appendString(bind.name)
                coder.appendString(bind.password, BERSupport.context(0))
            }
        case .bindResponse(let result):
            try coder.appendConstructedNode(identifier: BERSupport.application(1)) { coder in
                try result.serializeComponents(into: &coder)
            }
        case .unbindRequest:
            coder.appendPrimitiveNode(identifier: BERSupport.application(2)) { _ in }
        case .searchRequest(let search):
            try coder.appendConstructedNode(identifier: BERSupport.application(3)) { coder in
                coder.appendString(search.baseObject)
                try coder.appendInteger(search.scope.rawValue, .enumerated)
                try coder.appendInteger(search.derefAliases.rawValue, .enumerated)
                try coder.appendInteger(search.sizeLimit)
                try coder.appendInteger(search.timeLimit)
                try coder.appendBoolean(search.typesOnly)
                try search.filter.serialize(into: &coder)
                coder.appendConstructedNode(identifier: .sequence) { coder in
                    for attribute in search.attributes { coder.appendString(attribute) }
                }
            }
        case .searchResultEntry(let entry):
            coder.appendConstructedNode(identifier: BERSupport.application(4)) { coder in
                coder.appendString(entry.dn)
                coder.appendConstructedNode(identifier: .sequence) { coder in
                    for attribute in entry.attributes {
                        coder.appendConstructedNode(identifier: .sequence) { coder in
                            coder.appendString(attribute.type)
                            coder.appendConstructedNode(identifier: .set) { coder in
                                for value in attribute.values { coder.appendOctets(value) }
                            }
                        }
                    }
                }
            }
        case .searchResultDone(let result):
            try coder.appendConstructedNode(identifier: BERSupport.application(5)) { coder in
                try result.serializeComponents(into: &coder)
            }
        case .searchResultReference(let uris):
            coder.appendConstructedNode(identifier: BERSupport.application(19)) { coder in
                for uri in uris { coder.appendString(uri) }
            }
        case .abandonRequest(let id):
            try coder.appendInteger(Int(id), BERSupport.application(16))
        case .extendedRequest(let name, let value):
            coder.appendConstructedNode(identifier: BERSupport.application(23)) { coder in
                coder.appendString(name, BERSupport.context(0))
                if let value { coder.appendOctets(value, BERSupport.context(1)) }
            }
        case .extendedResponse(let result, let name, let value):
            try coder.appendConstructedNode(identifier: BERSupport.application(24)) { coder in
                try result.serializeComponents(into: &coder)
                if let name { coder.appendString(name, BERSupport.context(10)) }
                if let value { coder.appendOctets(value, BERSupport.context(11)) }
            }
        case .intermediateResponse(let name, let value):
            coder.appendConstructedNode(identifier: BERSupport.application(25)) { coder in
                if let name { coder.appendString(name, BERSupport.context(0)) }
                if let value { coder.appendOctets(value, BERSupport.context(1)) }
            }
        }
    }

    fileprivate init(berEncoded node: ASN1Node) throws(LDAPDecodingError) {
        let tag = node.identifier
        guard tag.tagClass == .application else { throw LDAPDecodingError(reason: "protocolOp: unexpected tag \(tag)") }
        switch tag.tagNumber {
        case 0:
            let children = try BERSupport.children(of: node, tag, "bindRequest")
            guard children.count == 3 else { throw LDAPDecodingError(reason: "bindRequest: expected 3 elements") }
            var bind = LDAPBindRequest(
                name: try BERSupport.string(children[1], .octetString, "bind name"),
                password: try BERSupport.string(children[2], BERSupport.context(0), "simple authentication")
            )
            bind.version = try BERSupport.integer(children[0], .integer, "bind version")
            self = .bindRequest(bind)
        case 1:
            let children = try BERSupport.children(of: node, tag, "bindResponse")
            self = .bindResponse(try LDAPResult.decode(components: children, "bindResponse").result)
        case 2:
            self = .unbindRequest
        case 3:
            let children = try BERSupport.children(of: node, tag, "searchRequest")
            guard children.count == 8 else { throw LDAPDecodingError(reason: "searchRequest: expected 8 elements") }
            guard let scope = LDAPSearchRequest.Scope(rawValue: try BERSupport.integer(children[1], .enumerated, "scope")),
                let deref = LDAPSearchRequest.DerefAliases(rawValue: try BERSupport.integer(children[2], .enumerated, "derefAliases"))
            else { throw LDAPDecodingError(reason: "searchRequest: unknown scope or derefAliases") }
            var attributes: [String] = []
            for child in try BERSupport.children(of: children[7], .sequence, "attributes") {
                attributes.append(try BERSupport.string(child, .octetString, "attribute"))
            }
            self = .searchRequest(
                LDAPSearchRequest(
                    baseObject: try BERSupport.string(children[0], .octetString, "baseObject"), scope: scope,
                    derefAliases: deref, sizeLimit: try BERSupport.integer(children[3], .integer, "sizeLimit"),
                    timeLimit: try BERSupport.integer(children[4], .integer, "timeLimit"),
                    typesOnly: try BERSupport.boolean(children[5], .boolean, "typesOnly"),
                    filter: try LDAPFilter(berEncoded: children[6]), attributes: attributes
                )
            )
        case 4:
            let children = try BERSupport.children(of: node, tag, "searchResultEntry")
            guard children.count == 2 else { throw LDAPDecodingError(reason: "searchResultEntry: expected 2 elements") }
            var attributes: [LDAPAttribute] = []
            for child in try BERSupport.children(of: children[1], .sequence, "attributes") {
                let parts = try BERSupport.children(of: child, .sequence, "attribute")
                guard parts.count == 2 else { throw LDAPDecodingError(reason: "attribute: expected 2 elements") }
                var values: [[UInt8]] = []
                for value in try BERSupport.children(of: parts[1], .set, "attribute values") {
                    values.append(try BERSupport.octets(value, .octetString, "attribute value"))
                }
                attributes.append(LDAPAttribute(type: try BERSupport.string(parts[0], .octetString, "attribute type"), values: values))
            }
            self = .searchResultEntry(LDAPEntry(dn: try BERSupport.string(children[0], .octetString, "objectName"), attributes: attributes))
        case 5:
            let children = try BERSupport.children(of: node, tag, "searchResultDone")
            self = .searchResultDone(try LDAPResult.decode(components: children, "searchResultDone").result)
        case 16:
            let id = try BERSupport.integer(node, tag, "abandonRequest")
            guard (0...Int(Int32.max)).contains(id) else { throw LDAPDecodingError(reason: "abandonRequest: messageID out of range") }
            self = .abandonRequest(Int32(id))
        case 19:
            var uris: [String] = []
            for child in try BERSupport.children(of: node, tag, "searchResultReference") {
                uris.append(try BERSupport.string(child, .octetString, "reference URI"))
            }
            self = .searchResultReference(uris)
        case 23:
            let children = try BERSupport.children(of: node, tag, "extendedRequest")
            guard let first = children.first, children.count <= 2 else { throw LDAPDecodingError(reason: "extendedRequest: expected 1 or 2 elements") }
            let value = children.count == 2 ? try BERSupport.octets(children[1], BERSupport.context(1), "requestValue") : nil
            self = .extendedRequest(name: try BERSupport.string(first, BERSupport.context(0), "requestName"), value: value)
        case 24:
            let children = try BERSupport.children(of: node, tag, "extendedResponse")
            let (result, rest) = try LDAPResult.decode(components: children, "extendedResponse")
            var name: String?
            var value: [UInt8]?
            for child in rest {
                switch child.identifier {
                case BERSupport.context(10): name = try BERSupport.string(child, child.identifier, "responseName")
                case BERSupport.context(11): value = try BERSupport.octets(child, child.identifier, "responseValue")
                default: throw LDAPDecodingError(reason: "extendedResponse: unexpected tag \(child.identifier)")
                }
            }
            self = .extendedResponse(result, name: name, value: value)
        case 25:
            var name: String?
            var value: [UInt8]?
            for child in try BERSupport.children(of: node, tag, "intermediateResponse") {
                switch child.identifier {
                case BERSupport.context(0): name = try BERSupport.string(child, child.identifier, "responseName")
                case BERSupport.context(1): value = try BERSupport.octets(child, child.identifier, "responseValue")
                default: throw LDAPDecodingError(reason: "intermediateResponse: unexpected tag \(child.identifier)")
                }
            }
            self = .intermediateResponse(name: name, value: value)
        default:
            throw LDAPDecodingError(reason: "protocolOp [APPLICATION \(tag.tagNumber)] is not supported")
        }
    }
}

extension LDAPResult {
    /// Writes `COMPONENTS OF LDAPResult`.
    fileprivate func serializeComponents(into coder: inout DER.Serializer) throws {
        try coder.appendInteger(self.resultCode.rawValue, .enumerated)
        coder.appendString(self.matchedDN)
        coder.appendString(self.diagnosticMessage)
        if !self.referral.isEmpty {
            coder.appendConstructedNode(identifier: BERSupport.context(3)) { coder in
                for uri in self.referral { coder.appendString(uri) }
            }
        }
    }

    /// Reads `COMPONENTS OF LDAPResult` from the start of `components`; returns the elements after it.
    fileprivate static func decode(components: [ASN1Node], _ what: String) throws(LDAPDecodingError) -> (result: LDAPResult, rest: ArraySlice<ASN1Node>) {
        guard components.count >= 3 else { throw LDAPDecodingError(reason: "\(what): expected at least 3 elements") }
        var result = LDAPResult(
            resultCode: LDAPResultCode(rawValue: try BERSupport.integer(components[0], .enumerated, "\(what) resultCode")),
            matchedDN: try BERSupport.string(components[1], .octetString, "\(what) matchedDN"),
            diagnosticMessage: try BERSupport.string(components[2], .octetString, "\(what) diagnosticMessage")
        )
        var rest = components.dropFirst(3)
        if let next = rest.first, next.identifier == BERSupport.context(3) {
            for uri in try BERSupport.children(of: next, next.identifier, "\(what) referral") {
                result.referral.append(try BERSupport.string(uri, .octetString, "\(what) referral URI"))
            }
            rest = rest.dropFirst()
        }
        return (result, rest)
    }
}
